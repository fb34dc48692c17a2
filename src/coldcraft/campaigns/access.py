"""Reaching a campaign: the user's own (404 otherwise) and the draft-only guard.

The leaf of the campaigns domain: every domain that works on a campaign (sequences,
prospects, chat, messages, runs) imports this module, and it imports only the store, the
errors and the campaigns repository, so it can never close an import cycle.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.repository import CampaignRepository
from coldcraft.errors import NotFound, WrongStatus
from coldcraft.store.models import Campaign, User


async def get_owned(
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


def require_draft(campaign: Campaign, *, action: str = "modify") -> None:
    """Raise WrongStatus unless the campaign is still a draft (`action` names what needs it)."""
    if campaign.status != "draft":
        raise WrongStatus(f"Campaign is {campaign.status} — must be draft to {action}")
