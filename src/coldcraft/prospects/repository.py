"""Every prospect query: bulk insert with ON CONFLICT, paging, keyset id batches."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, delete, func, or_, select, true, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from coldcraft.store.models import Prospect
from coldcraft.store.repository import Repository

# Rows per INSERT: 500 x ~16 columns stays far below asyncpg's 32767 and SQLite's 32766
# bound-parameter limits.
INSERT_CHUNK = 500
# Ids per IN (...) list, for the same limits.
ID_CHUNK = 5000
Key = tuple[datetime, uuid.UUID]


def _chunks(ids: Sequence[uuid.UUID]) -> list[list[uuid.UUID]]:
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + ID_CHUNK] for i in range(0, len(unique), ID_CHUNK)]


def _ordered(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(Prospect.created_at, Prospect.id)


class ProspectRepository(Repository[Prospect]):
    model = Prospect

    async def get_in_campaign(
        self, campaign_id: uuid.UUID, prospect_id: uuid.UUID
    ) -> Prospect | None:
        stmt = select(Prospect).where(
            Prospect.campaign_id == campaign_id, Prospect.id == prospect_id
        )
        return await self.one_or_none(stmt)

    async def get_many(self, campaign_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Prospect]:
        found: list[Prospect] = []
        for chunk in _chunks(ids):
            stmt = select(Prospect).where(
                Prospect.campaign_id == campaign_id, Prospect.id.in_(chunk)
            )
            found.extend(await self.all(stmt))
        return found

    async def first(self, campaign_id: uuid.UUID, *, limit: int) -> list[Prospect]:
        stmt = _ordered(select(Prospect).where(Prospect.campaign_id == campaign_id))
        return list(await self.all(stmt.limit(limit)))

    async def count(
        self, campaign_id: uuid.UUID, *, status: str | None = None, search: str | None = None
    ) -> int:
        stmt = select(func.count()).select_from(Prospect).where(Prospect.campaign_id == campaign_id)
        if status is not None:
            stmt = stmt.where(Prospect.status == status)
        if search:
            stmt = stmt.where(_matches(search))
        return int((await self.session.execute(stmt)).scalar_one())

    async def counts_by_status(self, campaign_id: uuid.UUID) -> dict[str, int]:
        stmt = (
            select(Prospect.status, func.count())
            .where(Prospect.campaign_id == campaign_id)
            .group_by(Prospect.status)
        )
        return {status: int(n) for status, n in (await self.session.execute(stmt)).all()}

    async def page(
        self,
        campaign_id: uuid.UUID,
        *,
        status: str | None,
        offset: int,
        limit: int,
        search: str | None = None,
    ) -> list[Prospect]:
        stmt = select(Prospect).where(Prospect.campaign_id == campaign_id)
        if status is not None:
            stmt = stmt.where(Prospect.status == status)
        if search:
            stmt = stmt.where(_matches(search))
        return list(await self.all(_ordered(stmt).offset(offset).limit(limit)))

    async def id_batch(self, campaign_id: uuid.UUID, *, after: Key | None, limit: int) -> list[Key]:
        """The next `limit` (created_at, id) keys after `after`: keyset paging, stable
        even while rows are added or deleted between batches."""
        stmt = select(Prospect.created_at, Prospect.id).where(Prospect.campaign_id == campaign_id)
        if after is not None:
            created_at, last_id = after
            stmt = stmt.where(
                or_(
                    Prospect.created_at > created_at,
                    and_(Prospect.created_at == created_at, Prospect.id > last_id),
                )
            )
        stmt = stmt.order_by(Prospect.created_at, Prospect.id).limit(limit)
        return [(created, id_) for created, id_ in (await self.session.execute(stmt)).all()]

    async def keys_of(self, campaign_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> list[Key]:
        """(created_at, id) of the campaign's prospects among `ids`, sorted like the listing."""
        keys: list[Key] = []
        for chunk in _chunks(ids):
            stmt = select(Prospect.created_at, Prospect.id).where(
                Prospect.campaign_id == campaign_id, Prospect.id.in_(chunk)
            )
            keys.extend((created, id_) for created, id_ in (await self.session.execute(stmt)).all())
        return sorted(keys)  # UUIDs sort like the databases sort them: by their bytes

    async def existing_identity(
        self, campaign_id: uuid.UUID, identity_key: str, *, exclude: uuid.UUID
    ) -> bool:
        stmt = select(Prospect.id).where(
            Prospect.campaign_id == campaign_id,
            Prospect.identity_key == identity_key,
            Prospect.id != exclude,
        )
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def insert_ignoring_duplicates(self, rows: Sequence[dict[str, Any]]) -> int:
        """INSERT ... ON CONFLICT (campaign_id, identity_key) DO NOTHING RETURNING id, sent as
        one multi-row INSERT per chunk (SQLAlchemy's "insertmanyvalues" renders the VALUES
        list from one cached statement). RETURNING lists only the rows really inserted, so
        a concurrent import of the same leads is counted as duplicates, not errors."""
        inserted = 0
        stmt = self._insert_stmt()
        for start in range(0, len(rows), INSERT_CHUNK):
            result = await self.session.execute(stmt, list(rows[start : start + INSERT_CHUNK]))
            inserted += len(result.all())
        return inserted

    def _insert_stmt(self) -> Any:
        table = cast(Table, Prospect.__table__)  # Core table: no ORM bulk overhead
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        return (
            insert(table)
            .on_conflict_do_nothing(index_elements=["campaign_id", "identity_key"])
            .returning(table.c.id)
        )

    async def save(self, prospect: Prospect) -> bool:
        """Flush an edit; False when it collides with another prospect's identity
        (a concurrent edit or import won the unique index)."""
        try:
            await self.session.flush()
        except IntegrityError:
            return False
        return True

    async def delete_ids(self, campaign_id: uuid.UUID, ids: Sequence[uuid.UUID]) -> int:
        deleted = 0
        for chunk in _chunks(ids):
            stmt = delete(Prospect).where(
                Prospect.campaign_id == campaign_id, Prospect.id.in_(chunk)
            )
            deleted += await self._delete(stmt)
        return deleted

    async def delete_all(self, campaign_id: uuid.UUID) -> int:
        return await self._delete(delete(Prospect).where(Prospect.campaign_id == campaign_id))

    async def _delete(self, stmt: Any) -> int:
        result = await self.session.execute(stmt.execution_options(synchronize_session=False))
        return int(getattr(result, "rowcount", 0) or 0)

    async def custom_field_keys(self, campaign_id: uuid.UUID) -> set[str]:
        """Every custom field name that some prospect of the campaign has."""
        where = Prospect.campaign_id == campaign_id
        if self.session.get_bind().dialect.name == "postgresql":
            keys = func.jsonb_object_keys(type_coerce(Prospect.custom_fields, postgresql.JSONB))
            stmt = select(keys).where(where).distinct()
        else:
            each = func.json_each(Prospect.custom_fields).table_valued("key")
            stmt = select(each.c.key).select_from(Prospect).join(each, true()).where(where)
            stmt = stmt.distinct()
        return {str(key) for key in (await self.session.execute(stmt)).scalars()}


def _matches(search: str) -> ColumnElement[bool]:
    """Name, email, company or position contains `search` (case-insensitive)."""
    pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    columns = (
        Prospect.name,
        Prospect.first_name,
        Prospect.last_name,
        Prospect.email,
        Prospect.company,
        Prospect.position,
    )
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
