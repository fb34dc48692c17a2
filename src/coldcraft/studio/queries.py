"""The studio's reads that no service offers yet, built on the domains' public services and
repositories (read only, after the same ownership check the services make).

- `glance`: a campaign's prospects, drafts and flagged drafts for the list.
- `queue_page`: the review queue, flagged first, paged by offset (the API pages in prospect
  order only).
- `get_message`: one message of the user's campaign (the API has no single-message read).
- `judge_at`: the account's judge at a step's place in the sequence (the live checks).

Everything that changes data goes through the services (`review_service`, `launch_service`,
...): a page is never a second implementation of a rule.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned
from coldcraft.config import Settings
from coldcraft.errors import NotFound
from coldcraft.lint.service import lint_service
from coldcraft.messages.repository import MessageRepository
from coldcraft.messages.schemas import MessageFilter
from coldcraft.prospects.service import prospect_service
from coldcraft.sequences.position import Touches
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.store.models import Campaign, CampaignProspectMessage, Prospect, User

DRAFTS = MessageFilter(status="draft")


@dataclass(frozen=True)
class Glance:
    campaign: Campaign
    prospects: int
    drafts: int
    flagged: int


@dataclass(frozen=True)
class QueueRow:
    position: int  # in the filtered queue, from 0
    message: CampaignProspectMessage
    prospect: Prospect | None


@dataclass(frozen=True)
class QueuePage:
    campaign: Campaign
    rows: list[QueueRow]
    total: int


async def glance(session: AsyncSession, user: User, campaign: Campaign) -> Glance:
    repo = MessageRepository(session)
    flagged = DRAFTS.model_copy(update={"flagged": True})
    return Glance(
        campaign=campaign,
        prospects=await prospect_service.count(session, campaign.id),
        drafts=await repo.count(campaign.id, DRAFTS),
        flagged=await repo.count(campaign.id, flagged),
    )


async def queue_page(
    session: AsyncSession,
    user: User,
    campaign_id: uuid.UUID,
    found: MessageFilter,
    *,
    offset: int,
    limit: int,
) -> QueuePage:
    """The filtered messages, flagged ones first (each part in prospect order)."""
    campaign = await get_owned(session, user, campaign_id)
    repo = MessageRepository(session)
    total = await repo.count(campaign.id, found)
    if found.flagged is not None:
        items = await repo.page(campaign.id, found, offset=offset, limit=limit)
    else:
        flagged = found.model_copy(update={"flagged": True})
        clean = found.model_copy(update={"flagged": False})
        # Past the first page, count the flagged part first: no query skips through it.
        first = await repo.count(campaign.id, flagged) if offset else None
        items = []
        if first is None or offset < first:
            items = await repo.page(campaign.id, flagged, offset=offset, limit=limit)
            if first is None and len(items) < limit:
                first = len(items)  # the whole flagged part fits on the first page
        if len(items) < limit:
            start = max(0, offset - (first or 0))
            items += await repo.page(campaign.id, clean, offset=start, limit=limit - len(items))
    prospects = await prospect_service.get_many(
        session, campaign.id, list(dict.fromkeys(m.prospect_id for m in items))
    )
    by_id = {p.id: p for p in prospects}
    rows = [QueueRow(offset + i, m, by_id.get(m.prospect_id)) for i, m in enumerate(items)]
    return QueuePage(campaign, rows, total)


async def get_message(
    session: AsyncSession, user: User, campaign_id: uuid.UUID, message_id: uuid.UUID
) -> tuple[Campaign, CampaignProspectMessage]:
    campaign = await get_owned(session, user, campaign_id)
    message = await MessageRepository(session).get_in_campaign(campaign.id, message_id)
    if message is None:
        raise NotFound("Message not found")
    return campaign, message


async def judge_at(
    session: AsyncSession, user: User, settings: Settings, nodes: list[Any], node_id: uuid.UUID
) -> JudgeContext:
    """The judge as this account sees it, at this step's place among `nodes`."""
    position = Touches.of(nodes).position(node_id) or 0
    return await lint_service.judge_context(session, user, settings, sequence_position=position)
