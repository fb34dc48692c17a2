"""Campaigns: create (with a seeded sequence), edit, delete, and the status machine.

Other domains (prospects, chat, messages, runs) import `campaign_service` at import time,
and this module needs some of theirs, so it reaches them through small deferred-import
accessors instead of module-level imports (which would be circular).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.repository import CampaignRepository
from coldcraft.campaigns.schemas import CampaignCreate, CampaignUpdate
from coldcraft.errors import Conflict, InvalidRequest, NotFound, WrongStatus
from coldcraft.senders.service import sender_service
from coldcraft.store.models import Campaign, SequenceNode, User

if TYPE_CHECKING:
    from coldcraft.sequences.service import SequenceService

# Editing these changes what is rendered into messages, so they are frozen after launch;
# name and daily_limit stay editable in any status.
DRAFT_ONLY_FIELDS = frozenset({"signature", "sender_account_ids"})


class LaunchProblem(NamedTuple):
    field: str
    message: str


LaunchCheck = Callable[[AsyncSession, Campaign, list[SequenceNode]], Awaitable[list[LaunchProblem]]]
LaunchHook = Callable[[AsyncSession, Campaign], Awaitable[None]]


def _sequences() -> SequenceService:
    from coldcraft.sequences.service import sequence_service

    return sequence_service


async def _has_prospects(
    session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
) -> list[LaunchProblem]:
    from coldcraft.prospects.service import prospect_service

    if await prospect_service.count(session, campaign.id) > 0:
        return []
    return [LaunchProblem("prospects", "add at least one prospect")]


def _missing_content(index: int, node: SequenceNode) -> list[LaunchProblem]:
    # A LinkedIn connection request may go without a note, so its body may stay empty.
    required = {"email": ("subject", "body"), "message": ("body",)}.get(node.type, ())
    return [
        LaunchProblem(
            f"sequence_nodes[{index}].{field}", f"{node.type} node {index}: {field} is empty"
        )
        for field in required
        if not (getattr(node, field) or "").strip()
    ]


async def _nodes_have_content(
    session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
) -> list[LaunchProblem]:
    from coldcraft.sequences.service import SENDABLE_TYPES

    if not any(n.type in SENDABLE_TYPES or n.type == "ai" for n in nodes):
        return [LaunchProblem("sequence_nodes", "the sequence has nothing to send")]
    return [p for i, node in enumerate(nodes) for p in _missing_content(i, node)]


# The launch seam. A check returns what is missing (empty list: fine); every check runs and
# all problems are reported together. Domains that own more launch preconditions (the
# outbox: AI nodes have a skeleton, messages resolved) append theirs when imported.
launch_checks: list[LaunchCheck] = [_has_prospects, _nodes_have_content]
# Run after every check passed, in the launch transaction, while the campaign is still
# draft (the outbox moves its drafts to `pending` here).
launch_hooks: list[LaunchHook] = []


class CampaignService:
    async def get_owned(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        *,
        for_update: bool = False,
    ) -> Campaign:
        """The user's campaign (another account's is 404); `for_update` locks the row."""
        campaign = await CampaignRepository(session).get_owned(
            user.id, campaign_id, for_update=for_update
        )
        if campaign is None:
            raise NotFound("Campaign not found")
        return campaign

    def require_draft(self, campaign: Campaign, *, action: str = "modify") -> None:
        if campaign.status != "draft":
            raise WrongStatus(f"Campaign is {campaign.status} — must be draft to {action}")

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
            sender_account_ids=sender_ids,
        )
        await campaigns.flush_unique(campaign)
        return campaign, await _sequences().seed(session, campaign)

    async def list_campaigns(self, session: AsyncSession, user: User) -> list[tuple[Campaign, int]]:
        """The user's campaigns, newest first, each with its node count."""
        campaigns = await CampaignRepository(session).list_for_user(user.id)
        counts = await _sequences().node_counts(session, [c.id for c in campaigns])
        return [(c, counts.get(c.id, 0)) for c in campaigns]

    async def detail(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID
    ) -> tuple[Campaign, list[SequenceNode], dict[str, int]]:
        """The campaign, its ordered nodes and its prospect counts by status."""
        from coldcraft.prospects.service import prospect_service

        campaign = await self.get_owned(session, user, campaign_id)
        nodes = await _sequences().list_nodes(session, campaign.id)
        by_status = await prospect_service.counts_by_status(session, campaign.id)
        return campaign, nodes, by_status

    async def update(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, data: CampaignUpdate
    ) -> Campaign:
        """Apply only the fields sent; signature and senders only while draft."""
        campaigns = CampaignRepository(session)
        campaign = await self.get_owned(session, user, campaign_id, for_update=True)
        values = data.model_dump(include=data.model_fields_set)
        if values.keys() & DRAFT_ONLY_FIELDS:
            self.require_draft(campaign, action="change its signature or senders")
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
        campaign = await self.get_owned(session, user, campaign_id, for_update=True)
        from coldcraft.runs.service import run_service  # deferred, like the other domains

        await run_service.cancel_runs(session, campaign_id=campaign.id)
        await CampaignRepository(session).delete_by_id(campaign.id)

    async def launch(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> Campaign:
        """Run every launch check, then the hooks, then move draft -> active."""
        campaign = await self.get_owned(session, user, campaign_id, for_update=True)
        self.require_draft(campaign, action="launch")
        nodes = await _sequences().list_nodes(session, campaign.id)
        problems = [p for check in launch_checks for p in await check(session, campaign, nodes)]
        if problems:
            summary = "; ".join(p.message for p in problems)
            details = [p._asdict() for p in problems]
            raise InvalidRequest(f"Campaign cannot launch: {summary}", details=details)
        for hook in launch_hooks:
            await hook(session, campaign)
        return await self._set_status(session, campaign, "active")

    async def pause(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> Campaign:
        campaign = await self.get_owned(session, user, campaign_id, for_update=True)
        if campaign.status != "active":
            raise WrongStatus("Only active campaigns can be paused")
        return await self._set_status(session, campaign, "paused")

    async def resume(self, session: AsyncSession, user: User, campaign_id: uuid.UUID) -> Campaign:
        campaign = await self.get_owned(session, user, campaign_id, for_update=True)
        if campaign.status != "paused":
            raise WrongStatus("Only paused campaigns can be resumed")
        return await self._set_status(session, campaign, "active")

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
