"""The outbox as RFC 4180 CSV, streamed: one row per message, prospect identity first.

Prospects are paged in import order (500 at a time); each page is read in its own short
transaction (the request's session is gone once the response starts streaming), so
memory stays flat and no lock is held while a slow client reads.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Sequence

from coldcraft.messages.repository import MessageRepository
from coldcraft.prospects.service import prospect_service
from coldcraft.store.models import CampaignProspectMessage, Prospect, SequenceNode
from coldcraft.store.session import SessionMaker

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
)
BATCH = 500


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)  # RFC 4180: CRLF, quoted fields
    return buffer.getvalue().encode("utf-8")


def _row(
    prospect: Prospect, message: CampaignProspectMessage, node: SequenceNode | None
) -> list[object]:
    return [
        prospect.email or "",
        prospect.linkedin_url or "",
        prospect.first_name or "",
        prospect.last_name or "",
        prospect.company or "",
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


async def stream_csv(
    sessions: SessionMaker, campaign_id: uuid.UUID, nodes: list[SequenceNode], *, status: str
) -> AsyncIterator[bytes]:
    by_id = {node.id: node for node in nodes}
    yield _csv([COLUMNS])
    async with sessions() as session:
        async for ids in prospect_service.iter_ids(session, campaign_id, batch_size=BATCH):
            prospects = await prospect_service.get_many(session, campaign_id, ids)
            messages = await MessageRepository(session).for_prospects(
                campaign_id, ids, status=status
            )
            rows = _rows(prospects, messages, by_id)
            await session.rollback()  # read only: end the transaction before the client reads
            if rows:
                yield _csv(rows)
