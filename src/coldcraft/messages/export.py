"""The outbox as RFC 4180 CSV, streamed: one row per message (`long`), or one row per
prospect with each step's subject, body, delay and review state as columns (`wide`, what a
sending tool imports as custom variables).

Prospects are paged in import order (500 at a time); each page is read in its own short
transaction (the request's session is gone once the response starts streaming), so
memory stays flat and no lock is held while a slow client reads.

Spreadsheet-safe: the file starts with a UTF-8 byte order mark (Excel then reads it as
UTF-8), and a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with `'`, so a spreadsheet shows it as text instead of running it as a formula
(prospect data and model output are hostile input).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Sequence

from coldcraft.messages.repository import MessageRepository
from coldcraft.prospects.repository import Key
from coldcraft.prospects.service import prospect_service
from coldcraft.store.models import CampaignProspectMessage, Prospect, SequenceNode
from coldcraft.store.session import SessionMaker, reading

COLUMNS = (
    "email",
    "linkedin_url",
    "first_name",
    "last_name",
    "company",
    "node_position",
    "node_type",
    "subject",
    "body",
    "status",
    "manually_edited",
    "missing_fields",
    "prospect_id",
    "node_id",
    "message_id",
    "review_state",
)
IDENTITY = COLUMNS[:5]
STEP_COLUMNS = ("subject", "body", "delay_days", "review_state")
BATCH = 500
BOM = "\ufeff".encode()
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> object:
    """A cell a spreadsheet shows as text: a leading formula character gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CRLF, quoted fields
    writer.writerows([safe(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def _identity(prospect: Prospect) -> list[object]:
    return [
        prospect.email or "",
        prospect.linkedin_url or "",
        prospect.first_name or "",
        prospect.last_name or "",
        prospect.company or "",
    ]


def _row(
    prospect: Prospect, message: CampaignProspectMessage, node: SequenceNode | None
) -> list[object]:
    return [
        *_identity(prospect),
        "" if node is None else node.position,
        "" if node is None else node.type,
        message.subject or "",
        message.body_text,
        message.status,
        "true" if message.manually_edited else "false",
        ";".join(message.missing_fields or []),
        str(prospect.id),
        str(message.node_id),
        str(message.id),
        message.review_state,
    ]


def _rows(
    prospects: list[Prospect],
    messages: list[CampaignProspectMessage],
    nodes: dict[uuid.UUID, SequenceNode],
) -> list[list[object]]:
    by_prospect: dict[uuid.UUID, list[CampaignProspectMessage]] = {}
    for message in messages:
        by_prospect.setdefault(message.prospect_id, []).append(message)
    rows = []
    for prospect in prospects:
        mine = by_prospect.get(prospect.id, [])
        mine.sort(key=lambda m: nodes[m.node_id].position if m.node_id in nodes else 1_000_000)
        rows += [_row(prospect, m, nodes.get(m.node_id)) for m in mine]
    return rows


class WideSteps:
    """The sequence's message steps in order, each with the delay (days) before it."""

    def __init__(self, nodes: list[SequenceNode]) -> None:
        self.steps: list[tuple[SequenceNode, int]] = []
        days = 0
        for node in sorted(nodes, key=lambda n: n.position):
            if node.type == "delay":
                days += node.delay_days
            elif node.type != "end":
                self.steps.append((node, days))
                days = 0

    def header(self) -> list[str]:
        steps = range(1, len(self.steps) + 1)
        return [*IDENTITY, *(f"step{i}_{c}" for i in steps for c in STEP_COLUMNS), "prospect_id"]

    def row(self, prospect: Prospect, messages: list[CampaignProspectMessage]) -> list[object]:
        by_node = {m.node_id: m for m in messages}
        cells: list[object] = _identity(prospect)
        for node, delay in self.steps:
            message = by_node.get(node.id)
            if message is None:
                cells += ["", "", delay, ""]
            else:
                cells += [message.subject or "", message.body_text, delay, message.review_state]
        return [*cells, str(prospect.id)]


def _wide_rows(
    steps: WideSteps, prospects: list[Prospect], messages: list[CampaignProspectMessage]
) -> list[list[object]]:
    by_prospect: dict[uuid.UUID, list[CampaignProspectMessage]] = {}
    for message in messages:
        by_prospect.setdefault(message.prospect_id, []).append(message)
    return [steps.row(p, by_prospect[p.id]) for p in prospects if p.id in by_prospect]


async def stream_csv(
    sessions: SessionMaker,
    campaign_id: uuid.UUID,
    nodes: list[SequenceNode],
    *,
    status: str,
    wide: bool = False,
) -> AsyncIterator[bytes]:
    by_id = {node.id: node for node in nodes}
    steps = WideSteps(nodes)
    yield BOM + _csv([steps.header() if wide else COLUMNS])
    after: Key | None = None
    while True:
        # One short read per batch (no lock on SQLite), over before the client reads it.
        async with reading(sessions) as session:
            ids, after = await prospect_service.id_page(
                session, campaign_id, after=after, limit=BATCH
            )
            prospects = await prospect_service.get_many(session, campaign_id, ids)
            messages = await MessageRepository(session).for_prospects(
                campaign_id, ids, status=status
            )
        rows = _wide_rows(steps, prospects, messages) if wide else _rows(prospects, messages, by_id)
        if rows:
            yield _csv(rows)
        if after is None:
            return
