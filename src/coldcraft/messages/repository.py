"""Every outbox query: batched upserts with ON CONFLICT, paging, launch counts."""

from __future__ import annotations

import json
import typing
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from coldcraft.messages.review import UNSENT, review_columns, rules_of, with_review_columns
from coldcraft.messages.schemas import MessageFilter
from coldcraft.store.base import utcnow
from coldcraft.store.models import (
    CampaignProspectMessage,
    Prospect,
    SequenceNode,
)
from coldcraft.store.repository import Repository

Message = CampaignProspectMessage
TABLE = typing.cast(Table, Message.__table__)
# Columns a re-render may replace; everything else (id, status, created_at) stays.
CONTENT = (
    "subject",
    "body_text",
    "missing_fields",
    "source",
    "model",
    "quality",
    "usage",
    "error",
    "sources",
    "flagged",
    "issue_rules",
)
# Rows per statement: about 20 columns x 1000 rows stays below both dialects' parameter
# limits (SQLite 32,766, PostgreSQL 65,535).
UPSERT_PAGE = 1000
IN_CHUNK = 1000
# Python None must land as SQL NULL (the model's JSON type would store JSON 'null').
NULLABLE_JSON = JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
JSON_COLUMNS = ("missing_fields", "quality", "usage", "error", "sources")


def no_error() -> ColumnElement[bool]:
    """No error recorded: SQL NULL, or a JSON 'null' written through the ORM."""
    return or_(Message.error.is_(None), cast(Message.error, String) == "null")


def usable() -> ColumnElement[bool]:
    """A message that can be sent: error-free, or edited by a human."""
    return or_(Message.manually_edited.is_(True), no_error())


def _changed(excluded: Any) -> ColumnElement[bool]:
    """Some content differs: an unchanged row keeps its updated_at (idempotent resolve)."""
    return or_(*(TABLE.c[name].is_distinct_from(excluded[name]) for name in CONTENT))


# The hand-edit audit a machine rewrite clears.
ORIGINAL = ("original_subject", "original_body", "original_verdict", "edited_by", "edited_at")


def _review_reset() -> dict[str, Any]:
    """New text needs a new look: the review starts over, except that a rejection holds (the
    person rejected the prospect's step, not one wording)."""
    rejected = TABLE.c.review_state == "rejected"
    return {
        "review_state": case((rejected, "rejected"), else_="unreviewed"),
        "reviewed_by": case((rejected, TABLE.c.reviewed_by), else_=None),
        "reviewed_at": case((rejected, TABLE.c.reviewed_at), else_=None),
        "review_note": case((rejected, TABLE.c.review_note), else_=None),
    }


def _status_filter(stmt: Select[Any], status: str | None) -> Select[Any]:
    return stmt if status in (None, "all") else stmt.where(Message.status == status)


@dataclass(frozen=True)
class Breakdown:
    """How many messages share one combination of the summary's columns."""

    status: str
    review_state: str
    source: str
    flagged: bool
    edited: bool
    rules: list[str]
    missing_fields: list[str]
    count: int


@dataclass(frozen=True)
class SelectionChunk:
    """WHERE conditions for a chunk of a bulk action (see `MessageRepository.chunks`)."""

    where: list[ColumnElement[bool]]


@dataclass(frozen=True)
class Selection:
    """The messages a bulk action works on: explicit ids, or a filter."""

    message_ids: Sequence[uuid.UUID] | None = None
    filter: MessageFilter | None = None


class MessageRepository(Repository[Message]):
    model = Message

    # ---- which messages ---------------------------------------------------------------

    def matching(self, campaign_id: uuid.UUID, found: MessageFilter) -> list[ColumnElement[bool]]:
        """The list's filters as SQL conditions (every key given must hold)."""
        return [Message.campaign_id == campaign_id, *self._filter_clauses(found)]

    def _filter_clauses(self, found: MessageFilter) -> list[ColumnElement[bool]]:
        clauses: list[ColumnElement[bool]] = []
        if found.status != "all":
            clauses.append(Message.status == found.status)
        for column, value in (
            (Message.node_id, found.node_id),
            (Message.prospect_id, found.prospect_id),
            (Message.review_state, found.review),
            (Message.source, found.source),
            (Message.manually_edited, found.edited),
            (Message.flagged, found.flagged),
        ):
            if value is not None:
                clauses.append(column == value)
        if found.rule is not None:
            clauses.append(self._reports_rule(found.rule))
        if found.missing_field is not None:
            clauses.append(self._misses_field(found.missing_field))
        return clauses

    async def chunks(self, campaign_id: uuid.UUID, selection: Selection) -> list[SelectionChunk]:
        """The selection cut into the statements a bulk action runs, each in a transaction
        of its own. On SQLite, whose one write lock stops every other writer, the selected
        rows' keys are read once and cut IN_CHUNK at a time; each chunk keeps the filter
        (checked again when it is written) but no campaign condition: the keys were read
        from the campaign, and with one SQLite would walk the campaign's index (every
        message of it, for every chunk) instead of seeking the keys. On PostgreSQL (row
        locks; readers never wait) the filter is one statement, explicit ids IN_CHUNK."""
        if self._dialect() != "sqlite":
            return [SelectionChunk(where) for where in self.selected(campaign_id, selection)]
        keys = await self.selected_keys(campaign_id, selection)
        again = self._filter_clauses(selection.filter or MessageFilter())
        return [
            SelectionChunk([self._key().in_(keys[start : start + IN_CHUNK]), *again])
            for start in range(0, len(keys), IN_CHUNK)
        ]

    def _key(self) -> ColumnElement[Any]:
        """SQLite's rowid: a seek in the table itself, in storage order (five times faster
        than the id's index for a 1,000-row update)."""
        return literal_column(f"{TABLE.name}.rowid")

    def selected(
        self, campaign_id: uuid.UUID, selection: Selection
    ) -> Iterator[list[ColumnElement[bool]]]:
        """WHERE conditions, one list per statement (ids go IN_CHUNK at a time)."""
        if selection.message_ids is None:
            yield self.matching(campaign_id, selection.filter or MessageFilter())
            return
        ids = list(dict.fromkeys(selection.message_ids))
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            yield [Message.campaign_id == campaign_id, Message.id.in_(chunk)]

    async def selected_keys(self, campaign_id: uuid.UUID, selection: Selection) -> list[Any]:
        """The keys (see `_key`) of the selected unsent messages, in storage order."""
        found: list[Any] = []
        for where in self.selected(campaign_id, selection):
            stmt = select(self._key()).where(*where, Message.status.in_(UNSENT))
            found += (await self.session.execute(stmt)).scalars()
        return sorted(found)

    def _reports_rule(self, rule: str) -> ColumnElement[bool]:
        """The judge's verdict on the message names `rule` (an error or a warning)."""
        return Message.issue_rules.contains(f",{rule},", autoescape=True)

    def _misses_field(self, name: str) -> ColumnElement[bool]:
        if self._dialect() == "postgresql":
            return type_coerce(Message.missing_fields, postgresql.JSONB).contains([name])
        # SQLite stores the list as JSON text: its element `"name"` (quotes included) occurs
        # in it exactly when the list holds `name`, and one LIKE per row is several times
        # cheaper than expanding every row's list with json_each.
        element = json.dumps(name)  # as SQLAlchemy writes it (ASCII, \u escapes)
        return cast(Message.missing_fields, String).contains(element, autoescape=True)

    # ---- the review summary -----------------------------------------------------------

    async def count_where(self, where: list[ColumnElement[bool]]) -> int:
        stmt = select(func.count()).select_from(Message).where(*where)
        return int((await self.session.execute(stmt)).scalar_one())

    async def breakdown(self, where: list[ColumnElement[bool]]) -> list[Breakdown]:
        """The selected messages counted per (status, review, source, flagged, edited, rules
        named, fields missing): one scan for every count of the summary. The combinations
        are few (rules and missing fields are grouped as whole lists, not expanded)."""
        columns = (
            Message.status,
            Message.review_state,
            Message.source,
            Message.flagged,
            Message.manually_edited,
            Message.issue_rules,
            Message.missing_fields,
        )
        stmt = select(*columns, func.count()).where(*where).group_by(*columns)
        return [
            Breakdown(
                status=r[0],
                review_state=r[1],
                source=r[2],
                flagged=bool(r[3]),
                edited=bool(r[4]),
                rules=rules_of(r[5] or ""),
                missing_fields=list(dict.fromkeys(str(f) for f in r[6] or [])),
                count=int(r[7]),
            )
            for r in (await self.session.execute(stmt)).all()
        ]

    # ---- writes -----------------------------------------------------------------------

    async def upsert(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        keep_ai: bool = False,
        only_unusable: bool = False,
        rewrite: bool = False,
        replace_edited: bool = False,
    ) -> int:
        """Insert or replace drafts keyed (campaign, prospect, node); never touches a
        manually edited or non-draft row, nor (with `keep_ai`) a usable writer-made AI
        draft, nor (with `only_unusable`) any row that has an error-free body.
        Returns how many rows were written (new or changed)."""
        written = 0
        stmt = self._upsert_stmt(
            keep_ai=keep_ai,
            only_unusable=only_unusable,
            rewrite=rewrite,
            replace_edited=replace_edited,
        )
        derived = [with_review_columns(row) for row in rows]
        for start in range(0, len(derived), UPSERT_PAGE):
            result = await self.session.execute(stmt, derived[start : start + UPSERT_PAGE])
            written += len(result.all())
        return written

    def _upsert_stmt(
        self, *, keep_ai: bool, only_unusable: bool, rewrite: bool, replace_edited: bool
    ) -> Any:
        """`rewrite` (regenerate): any unsent row, not only drafts; `replace_edited`: a hand
        edit too (asked for explicitly; the row is the machine's again)."""
        insert = postgresql.insert if self._dialect() == "postgresql" else sqlite.insert
        stmt = insert(TABLE).values({c: bindparam(c, type_=NULLABLE_JSON) for c in JSON_COLUMNS})
        status = TABLE.c.status.in_(UNSENT) if rewrite else TABLE.c.status == "draft"
        guard = and_(status, _changed(stmt.excluded))
        if not replace_edited:
            guard = and_(guard, TABLE.c.manually_edited.is_(False))
        unusable = or_(TABLE.c.body_text == "", ~no_error())
        if keep_ai:  # an example may fill a failed AI draft, never replace a good one
            guard = and_(guard, or_(TABLE.c.source != "ai", unusable))
        if only_unusable:
            guard = and_(guard, unusable)
        values: dict[str, Any] = {name: stmt.excluded[name] for name in (*CONTENT, "updated_at")}
        values |= _review_reset()
        if replace_edited:
            values |= dict.fromkeys(ORIGINAL, None) | {"manually_edited": False}
        return stmt.on_conflict_do_update(
            index_elements=["campaign_id", "prospect_id", "node_id"], set_=values, where=guard
        ).returning(TABLE.c.id)

    async def refresh_statistics(self) -> None:
        """After a bulk write on PostgreSQL: ANALYZE the outbox, so the review's next reads
        are planned for the rows just written (a hash aggregate, the id index) instead of
        waiting for autovacuum (until then the planner believes the new rows are few: the
        summary of a freshly resolved 10,000 x 5 campaign took twice as long). It blocks
        neither reads nor writes. SQLite plans without statistics: nothing to do."""
        if self._dialect() == "postgresql":
            await self.session.execute(text(f"ANALYZE {TABLE.name}"))

    def _dialect(self) -> str:
        return self.session.get_bind().dialect.name

    async def edit(self, message: Message, changes: dict[str, Any]) -> Message:
        for name, value in changes.items():
            setattr(message, name, value)
        content = {name: getattr(message, name) for name in ("subject", "body_text", *JSON_COLUMNS)}
        for name, value in review_columns(content).items():
            setattr(message, name, value)
        await self.session.flush()
        return message

    async def drafts_to_pending(self, campaign_id: uuid.UUID) -> int:
        """Launch: every draft a person did not reject becomes pending (a rejected message
        is never sent; its prospect skips that step)."""
        stmt = (
            update(Message)
            .where(
                Message.campaign_id == campaign_id,
                Message.status == "draft",
                Message.review_state != "rejected",
            )
            .values(status="pending", updated_at=utcnow())
        )
        result = await self.session.execute(stmt)
        return int(getattr(result, "rowcount", 0) or 0)

    # ---- review -----------------------------------------------------------------------

    async def set_review(
        self, chunk: SelectionChunk, *, state: str, by: str, note: str | None
    ) -> tuple[int, int]:
        """Set the review state of the chunk's unsent messages: (matched, changed)."""
        unsent = [*chunk.where, Message.status.in_(UNSENT)]
        count = select(func.count()).select_from(Message).where(*unsent)
        matched = int((await self.session.execute(count)).scalar_one())
        differs = or_(Message.review_state != state, Message.review_note.is_distinct_from(note))
        # A rejected message is never sent: one queued by a launch goes back to draft.
        status = (
            case((Message.status == "pending", "draft"), else_=Message.status)
            if state == "rejected"
            else Message.status
        )
        stmt = (
            update(Message)
            .where(*unsent, differs)
            .values(
                status=status,
                review_state=state,
                reviewed_by=by,
                reviewed_at=utcnow(),
                review_note=note,
                updated_at=utcnow(),
            )
            .returning(Message.id)
            .execution_options(synchronize_session=False)
        )
        changed = len((await self.session.execute(stmt)).all())
        return matched, changed

    async def awaiting_review(
        self, campaign_id: uuid.UUID, *, flagged_only: bool, sample: int
    ) -> tuple[int, list[uuid.UUID]]:
        """Unsent messages nobody approved or rejected (only the flagged ones with
        `flagged_only`): how many, and the first `sample` ids."""
        where = [
            Message.campaign_id == campaign_id,
            Message.status.in_(UNSENT),
            Message.review_state == "unreviewed",
        ]
        if flagged_only:
            where.append(Message.flagged.is_(True))
        count = select(func.count()).select_from(Message).where(*where)
        total = int((await self.session.execute(count)).scalar_one())
        if not sample:
            return total, []
        ids = select(Message.id).where(*where).order_by(Message.id).limit(sample)
        return total, list((await self.session.execute(ids)).scalars())

    async def texts_to_send(
        self, campaign_id: uuid.UUID, *, batch: int = IN_CHUNK
    ) -> AsyncIterator[list[tuple[uuid.UUID, str | None, str]]]:
        """(id, subject, body) of the unsent messages nobody rejected, in id order, a page
        at a time (keyset: a 10,000-prospect campaign is never loaded at once)."""
        after: uuid.UUID | None = None
        while True:
            stmt = select(Message.id, Message.subject, Message.body_text).where(
                Message.campaign_id == campaign_id,
                Message.status.in_(UNSENT),
                Message.review_state != "rejected",
            )
            if after is not None:
                stmt = stmt.where(Message.id > after)
            rows = (await self.session.execute(stmt.order_by(Message.id).limit(batch))).all()
            if not rows:
                return
            yield [(row[0], row[1], row[2]) for row in rows]
            after = rows[-1][0]

    async def targets(
        self, campaign_id: uuid.UUID, selection: Selection, node_ids: Sequence[uuid.UUID]
    ) -> list[tuple[uuid.UUID, uuid.UUID, bool]]:
        """(node id, prospect id, hand-edited) of the selected unsent messages of `node_ids`."""
        found: list[tuple[uuid.UUID, uuid.UUID, bool]] = []
        columns = (Message.node_id, Message.prospect_id, Message.manually_edited)
        for where in self.selected(campaign_id, selection):
            stmt = select(*columns).where(
                *where, Message.status.in_(UNSENT), Message.node_id.in_(node_ids)
            )
            found += [(r[0], r[1], bool(r[2])) for r in (await self.session.execute(stmt)).all()]
        return found

    async def edited(self, chunk: SelectionChunk) -> list[Message]:
        """The chunk's unsent messages that carry a hand edit (restorable)."""
        stmt = select(Message).where(
            *chunk.where,
            Message.status.in_(UNSENT),
            Message.manually_edited.is_(True),
            Message.original_body.is_not(None),
        )
        return list(await self.all(stmt))

    # ---- reads ------------------------------------------------------------------------

    async def get_in_campaign(
        self, campaign_id: uuid.UUID, message_id: uuid.UUID
    ) -> Message | None:
        stmt = select(Message).where(Message.id == message_id, Message.campaign_id == campaign_id)
        return await self.one_or_none(stmt)

    async def page(
        self, campaign_id: uuid.UUID, found: MessageFilter, *, offset: int, limit: int
    ) -> list[Message]:
        """In prospect order (import order), then sequence position."""
        stmt = (
            select(Message)
            .where(*self.matching(campaign_id, found))
            .join(Prospect, Prospect.id == Message.prospect_id)
            .join(SequenceNode, SequenceNode.id == Message.node_id)
            .order_by(Prospect.created_at, Prospect.id, SequenceNode.position, Message.id)
        )
        return list(await self.all(stmt.offset(offset).limit(limit)))

    async def count(self, campaign_id: uuid.UUID, found: MessageFilter) -> int:
        return await self.count_where(self.matching(campaign_id, found))

    async def for_prospects(
        self,
        campaign_id: uuid.UUID,
        prospect_ids: Sequence[uuid.UUID],
        *,
        status: str | None = None,
    ) -> list[Message]:
        found: list[Message] = []
        for start in range(0, len(prospect_ids), IN_CHUNK):
            chunk = prospect_ids[start : start + IN_CHUNK]
            stmt = select(Message).where(
                Message.campaign_id == campaign_id, Message.prospect_id.in_(chunk)
            )
            found += await self.all(_status_filter(stmt, status))
        return found

    async def drafted(
        self, campaign_id: uuid.UUID, node_id: uuid.UUID, prospect_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Those of `prospect_ids` that already have a usable message for the node (an
        error-free body, or a human edit)."""
        if not prospect_ids:
            return set()
        stmt = select(Message.prospect_id).where(
            Message.campaign_id == campaign_id,
            Message.node_id == node_id,
            Message.prospect_id.in_(prospect_ids),
            or_(Message.manually_edited.is_(True), and_(no_error(), Message.body_text != "")),
        )
        return set((await self.session.execute(stmt)).scalars().all())

    async def usable_counts(self, campaign_id: uuid.UUID) -> dict[uuid.UUID, int]:
        """Per node: how many prospects have a usable message (see `drafted`)."""
        stmt = (
            select(Message.node_id, func.count())
            .where(Message.campaign_id == campaign_id, usable())
            .group_by(Message.node_id)
        )
        return {node_id: int(n) for node_id, n in (await self.session.execute(stmt)).all()}
