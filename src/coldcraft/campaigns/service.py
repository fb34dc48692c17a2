"""Campaigns: create (with a seeded sequence), edit, delete, pause and resume.

Reaching a campaign (`get_owned`, `require_draft`) lives in `campaigns.access`, the leaf
other domains import, so this module can import the sequences and prospects services at
module level. Launching lives in `campaigns.launch` (it needs the outbox, which imports
this module).
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns import access as campaign_access
from coldcraft.campaigns.repository import CampaignRepository
from coldcraft.campaigns.schemas import CampaignCreate, CampaignUpdate
from coldcraft.errors import Conflict, WrongStatus
from coldcraft.prospects.service import prospect_service
from coldcraft.runs.service import run_service
from coldcraft.senders.service import sender_service
from coldcraft.sequences.service import sequence_service
from coldcraft.store.models import Campaign, SequenceNode, User

# Editing these changes what is rendered into messages, so they are frozen after launch;
# name and daily_limit stay editable in any status.
DRAFT_ONLY_FIELDS = frozenset({"signature", "sender_account_ids"})


class CampaignService:
    async def create(
        self, session: AsyncSession, user: User, data: CampaignCreate
    ) -> tuple[Campaign, list[SequenceNode]]:
        campaigns = CampaignRepository(session)
        await self._check_name_free(campaigns, user, data.name)
        sender_ids = await sender_service.validate_for_campaign(
            session, user, data.sender_account_ids or [], campaign_type=data.type
        )
        campaign = Campaign(
            user_id=user.id,
            type=data.type,
            name=data.name,
            status="draft",
            signature=data.signature,
            daily_limit=data.daily_limit,
            review_policy=data.review_policy,
            research=data.research,
            sender_account_ids=sender_ids,
        )
        await campaigns.flush_unique(campaign)
        return campaign, await sequence_service.seed(session, campaign)

    async def list_campaigns(self, session: AsyncSession, user: User) -> list[tuple[Campaign, int]]:
        """The user's campaigns, newest first, each with its node count."""
        campaigns = await CampaignRepository(session).list_for_user(user.id)
        counts = await sequence_service.node_counts(session, [c.id for c in campaigns])
        return [(c, counts.get(c.id, 0)) for c in campaigns]

    async def detail(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID
    ) -> tuple[Campaign, list[SequenceNode], dict[str, int]]:
        """The campaign, its ordered nodes and its prospect counts by status."""
        campaign = await campaign_access.get_owned(session, user, campaign_id)
        nodes = await sequence_service.list_nodes(session, campaign.id)
        by_status = await prospect_service.counts_by_status(session, campaign.id)
        return campaign, nodes, by_status

    async def update(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, data: CampaignUpdate
    ) -> Campaign:
        """Apply only the fields sent; signature and senders only while draft."""
        campaigns = CampaignRepository(session)
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        values = data.model_dump(include=data.model_fields_set)
        if values.keys() & DRAFT_ONLY_FIELDS:
            campaign_access.require_draft(campaign, action="change its signature or senders")
        if "name" in values:
            await self._check_name_free(campaigns, user, values["name"], exclude_id=campaign.id)
        if "sender_account_ids" in values:
            values["sender_account_ids"] = await sender_service.validate_for_campaign(
                session, user, values["sender_account_ids"] or [], campaign_type=campaign.type
            )
        for field, value in values.items():
            setattr(campaign, field, value)
        await campaigns.flush_unique(campaign)
        return campaign

    async def delete(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> None:
        """Delete in any status: the database cascades; the campaign's runs are cancelled."""
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        await run_service.cancel_runs(session, campaign_id=campaign.id)
        await CampaignRepository(session).delete_by_id(campaign.id)

    async def pause(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> Campaign:
        campaign = await campaign_access.get_owned(session, user, campaign_id, for_update=True)
        if campaign.status != "active":
            raise WrongStatus("Only active campaigns can be paused")
        return await self._set_status(session, campaign, "paused")

    async def _set_status(self, session: AsyncSession, campaign: Campaign, status: str) -> Campaign:
        campaign.status = status
        await session.flush()
        return campaign

    async def _check_name_free(
        self,
        campaigns: CampaignRepository,
        user: User,
        name: str,
        *,
        exclude_id: uuid.UUID | None = None,
    ) -> None:
        if await campaigns.name_taken(user.id, name, exclude_id=exclude_id):
            raise Conflict(f"A campaign named {name!r} already exists")


campaign_service = CampaignService()
