"""Campaign leads: identity and dedup, bulk import (JSON and CSV), paging, edits.

Identity (the unique `identity_key` per campaign): the lower-cased email on email
campaigns, the normalised LinkedIn URL on linkedin campaigns.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import access as campaign_access
from coldcraft.errors import Conflict, InvalidRequest, NotFound
from coldcraft.prospects import csv_import
from coldcraft.prospects.repository import Key, ProspectRepository
from coldcraft.prospects.schemas import (
    MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
    CsvImportResult,
    ImportResult,
    ProspectIn,
    ProspectUpdates,
    SkippedRow,
)
from coldcraft.skeletons.schema import Lead
from coldcraft.store.base import utcnow
from coldcraft.store.models import Campaign, Prospect, User

SKIPPED_LISTED = 100  # skipped rows named in an import's answer (all are counted)
EMAIL_RE = re.compile(r"^[^@\s<>(),;:\"]+@[^@\s<>(),;:\"]+\.[^@\s<>(),;:\"]+$")
WRITABLE = ("first_name", "last_name", "name", "company", "position", "headline")


class RowError(ValueError):
    """One lead is unusable: `RowError("email", "is required")` -> "email is required"."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}")
        self.field = field


def identity_field(campaign: Campaign) -> str:
    return "linkedin_url" if campaign.type == "linkedin" else "email"


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not EMAIL_RE.match(email):
        raise RowError("email", "is not a valid email address")
    return email


def _host_and_path(url: str) -> tuple[str, str]:
    """The lower-cased host (with port if any) and path of an http(s) URL."""
    raw = url.strip()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        parts = urlsplit(raw)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # bad port or brackets
        raise RowError("linkedin_url", "is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or "." not in host:
        raise RowError("linkedin_url", "is not a valid URL")
    if any(c.isspace() for c in raw):
        raise RowError("linkedin_url", "is not a valid URL")
    return (host if port is None else f"{host}:{port}"), parts.path


def normalise_linkedin_url(value: str) -> str:
    """https, lower-cased host, no query/fragment/trailing slash; the path keeps its case."""
    host, path = _host_and_path(value)
    url = urlunsplit(("https", host, path.rstrip("/"), "", ""))
    if len(url) > MAX_TEXT_CHARS:  # adding the scheme may push it over the column
        raise RowError("linkedin_url", f"is longer than {MAX_TEXT_CHARS} characters")
    return url


def linkedin_identity(url: str) -> str:
    """Profile slugs are case-insensitive and `www.` is optional: one person, one key."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return f"{host}{parts.path}".lower()


def _full_name(first: str | None, last: str | None) -> str | None:
    # Each part fits 200 characters; the joined name must fit the same column.
    return " ".join(p for p in (first, last) if p)[:MAX_NAME_CHARS].rstrip() or None


def build_row(fields: ProspectIn, identity: str) -> dict[str, Any]:
    """The normalised column values of one lead, with its identity key.
    Raises RowError when the identity field is missing or a value is malformed."""
    row = fields.model_dump(exclude={"custom_fields"})
    row["custom_fields"] = dict(fields.custom_fields)
    if row[identity] is None:
        raise RowError(identity, "is required")
    if row["email"] is not None:
        row["email"] = normalise_email(row["email"])
    if row["linkedin_url"] is not None:
        row["linkedin_url"] = normalise_linkedin_url(row["linkedin_url"])
    if row["name"] is None:
        row["name"] = _full_name(row["first_name"], row["last_name"])
    key = row[identity] if identity == "email" else linkedin_identity(row[identity])
    row["identity_key"] = key
    return row


def _dedup(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """First occurrence wins within one batch."""
    seen: set[str] = set()
    unique = []
    for row in rows:
        if row["identity_key"] not in seen:
            seen.add(row["identity_key"])
            unique.append(row)
    return unique


def _stamp(rows: list[dict[str, Any]], campaign_id: uuid.UUID, source: str) -> None:
    # Strictly increasing created_at keeps the listing order (created_at, id) equal to the
    # order the leads were sent in.
    base = utcnow()
    for offset, row in enumerate(rows):
        at = base + timedelta(microseconds=offset)
        row.update(id=uuid.uuid4(), campaign_id=campaign_id, status="pending", source=source)
        row.update(created_at=at, updated_at=at)


class ProspectService:
    # ---- used by other domains -------------------------------------------------------

    async def sample(
        self, session: AsyncSession, campaign_id: uuid.UUID, *, limit: int = 5
    ) -> list[Prospect]:
        """The campaign's first `limit` prospects, in import order."""
        return await ProspectRepository(session).first(campaign_id, limit=limit)

    def to_lead(self, prospect: Prospect) -> Lead:
        return Lead(
            id=str(prospect.id),
            first_name=prospect.first_name,
            last_name=prospect.last_name,
            full_name=prospect.name,
            email=prospect.email,
            company=prospect.company,
            position=prospect.position,
            headline=prospect.headline,
            linkedin_url=prospect.linkedin_url,
            custom_fields=dict(prospect.custom_fields or {}),
        )

    async def count(self, session: AsyncSession, campaign_id: uuid.UUID) -> int:
        return await ProspectRepository(session).count(campaign_id)

    async def custom_field_keys(self, session: AsyncSession, campaign_id: uuid.UUID) -> set[str]:
        """The custom field names the campaign's prospects have (for template checks)."""
        return await ProspectRepository(session).custom_field_keys(campaign_id)

    async def counts_by_status(
        self, session: AsyncSession, campaign_id: uuid.UUID
    ) -> dict[str, int]:
        return await ProspectRepository(session).counts_by_status(campaign_id)

    async def iter_ids(
        self,
        session: AsyncSession,
        campaign_id: uuid.UUID,
        *,
        prospect_ids: Sequence[uuid.UUID] | None = None,
        batch_size: int = 500,
    ) -> AsyncIterator[list[uuid.UUID]]:
        """Yield the campaign's prospect ids in batches of up to `batch_size`, in the
        listing order (created_at, id); with `prospect_ids`, only those of them that
        belong to the campaign. Keyset paging: one query per batch, stable while
        rows come and go (the caller may end its transaction between batches)."""
        repo = ProspectRepository(session)
        if prospect_ids is not None:
            keys = await repo.keys_of(campaign_id, prospect_ids)
            for start in range(0, len(keys), batch_size):
                yield [key[1] for key in keys[start : start + batch_size]]
            return
        after: Key | None = None
        while True:
            ids, after = await self.id_page(session, campaign_id, after=after, limit=batch_size)
            if ids:
                yield ids
            if after is None:
                return

    async def id_page(
        self, session: AsyncSession, campaign_id: uuid.UUID, *, after: Key | None, limit: int
    ) -> tuple[list[uuid.UUID], Key | None]:
        """One keyset page of the campaign's prospect ids in listing order, and the key the
        next page starts after (None: this was the last). Work that commits between pages
        (resolve, on SQLite) keeps only the key."""
        keys = await ProspectRepository(session).id_batch(campaign_id, after=after, limit=limit)
        return [key[1] for key in keys], (keys[-1] if len(keys) == limit else None)

    async def get_many(
        self, session: AsyncSession, campaign_id: uuid.UUID, ids: Sequence[uuid.UUID]
    ) -> list[Prospect]:
        """The campaign's prospects among `ids`, in the order of `ids` (unknown ids and
        other campaigns' prospects are skipped)."""
        found = {p.id: p for p in await ProspectRepository(session).get_many(campaign_id, ids)}
        return [found[i] for i in ids if i in found]

    # ---- the leads API ---------------------------------------------------------------

    async def add_leads(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, items: list[ProspectIn]
    ) -> ImportResult:
        campaign = await self._draft_campaign(session, user, campaign_id)
        identity = identity_field(campaign)
        rows = []
        for index, item in enumerate(items):
            try:
                rows.append(build_row(item, identity))
            except RowError as exc:
                raise _row_error(f"prospects[{index}]", exc) from None
        imported = await self._insert(session, campaign, rows, source="api")
        return ImportResult(imported=imported, duplicates=len(rows) - imported)

    async def import_csv(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        *,
        data: bytes,
        mapping: str | dict[str, str | None] | None = None,
    ) -> CsvImportResult:
        """Import a CSV file; `mapping` (a dict, or its JSON text as the form field sends it)
        maps headers to prospect fields or `custom_fields.<key>`. Bad rows count as invalid."""
        campaign = await self._draft_campaign(session, user, campaign_id)
        identity = identity_field(campaign)
        try:
            if isinstance(mapping, str):
                mapping = csv_import.parse_mapping(mapping)
            table = csv_import.parse_csv(data)
            columns = csv_import.resolve_columns(table.headers, mapping)
        except csv_import.CsvError as exc:
            raise InvalidRequest(str(exc)) from None
        if not any(c.field == identity for c in columns):
            raise InvalidRequest(f"The CSV has no {identity} column (found: {table.header_list})")
        rows, skipped = _csv_rows(table, columns, identity)
        imported = await self._insert(session, campaign, rows, source="csv")
        return CsvImportResult(
            imported=imported,
            duplicates=len(rows) - imported,
            invalid=len(skipped),
            skipped=skipped[:SKIPPED_LISTED],
        )

    async def list_leads(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        *,
        page: int,
        limit: int,
        status: str | None = None,
        search: str | None = None,
    ) -> tuple[list[Prospect], int]:
        """A page of the campaign's prospects (`search`: in name, email, company, position)."""
        campaign = await campaign_access.get_owned(session, user, campaign_id)
        repo = ProspectRepository(session)
        offset = (page - 1) * limit
        items = await repo.page(
            campaign.id, status=status, offset=offset, limit=limit, search=search
        )
        return items, await repo.count(campaign.id, status=status, search=search)

    async def update_lead(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        prospect_id: uuid.UUID,
        updates: ProspectUpdates,
    ) -> Prospect:
        campaign = await self._draft_campaign(session, user, campaign_id)
        repo = ProspectRepository(session)
        prospect = await repo.get_in_campaign(campaign.id, prospect_id)
        if prospect is None:
            raise NotFound("Prospect not found")
        identity = identity_field(campaign)
        row = _updated_row(prospect, updates, identity)
        taken = f"Another prospect in this campaign has this {identity}"
        if row["identity_key"] != prospect.identity_key and await repo.existing_identity(
            campaign.id, row["identity_key"], exclude=prospect.id
        ):
            raise Conflict(taken)
        for key, value in row.items():
            setattr(prospect, key, value)
        if not await repo.save(prospect):  # a concurrent edit took the identity first
            raise Conflict(taken)
        return prospect

    async def delete_leads(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        *,
        prospect_ids: list[uuid.UUID] | None = None,
        all: bool = False,
    ) -> int:
        campaign = await self._draft_campaign(session, user, campaign_id)
        repo = ProspectRepository(session)
        if all:
            return await repo.delete_all(campaign.id)
        return await repo.delete_ids(campaign.id, prospect_ids or [])

    # ---- helpers ---------------------------------------------------------------------

    async def _draft_campaign(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID
    ) -> Campaign:
        # The row lock serialises lead changes with a concurrent launch on PostgreSQL.
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        campaign_access.require_draft(campaign)
        return campaign

    async def _insert(
        self, session: AsyncSession, campaign: Campaign, rows: list[dict[str, Any]], *, source: str
    ) -> int:
        unique = _dedup(rows)
        _stamp(unique, campaign.id, source)
        return await ProspectRepository(session).insert_ignoring_duplicates(unique)


def _row_error(prefix: str, exc: RowError) -> InvalidRequest:
    detail = {"field": f"{prefix}.{exc.field}", "message": str(exc)}
    return InvalidRequest(f"{prefix}: {exc}", details=[detail])


def _csv_rows(
    table: csv_import.CsvTable, columns: list[csv_import.Column], identity: str
) -> tuple[list[dict[str, Any]], list[SkippedRow]]:
    """The rows to import, and the ones skipped with their line and reason (a bad row never
    rejects the others)."""
    rows: list[dict[str, Any]] = []
    skipped: list[SkippedRow] = []
    for line, raw in zip(table.lines, table.rows, strict=True):
        try:
            fields = ProspectIn.model_validate(csv_import.row_fields(columns, raw))
            rows.append(build_row(fields, identity))
        except ValidationError as exc:
            skipped.append(SkippedRow(line=line, reason=_first_problem(exc)))
        except RowError as exc:
            skipped.append(SkippedRow(line=line, reason=str(exc)))
    return rows, skipped


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    message = str(error.get("msg", "invalid"))
    return f"{where}: {message}" if where else message


def _updated_row(prospect: Prospect, updates: ProspectUpdates, identity: str) -> dict[str, Any]:
    """The prospect's columns after `updates`, validated like a new lead."""
    current: dict[str, Any] = {
        f: getattr(prospect, f) for f in (*WRITABLE, "email", "linkedin_url")
    }
    current["custom_fields"] = dict(prospect.custom_fields or {})
    changes = updates.model_dump(include=updates.model_fields_set)
    if changes.get("custom_fields", ...) is None:
        changes["custom_fields"] = {}
    # A name that was derived from first + last follows them unless set explicitly.
    renamed = {"first_name", "last_name"} & changes.keys()
    if renamed and "name" not in changes:
        if current["name"] == _full_name(current["first_name"], current["last_name"]):
            changes["name"] = None
    try:
        return build_row(ProspectIn.model_validate({**current, **changes}), identity)
    except RowError as exc:
        raise _row_error("updates", exc) from None


prospect_service = ProspectService()
