"""Sender accounts: who a campaign writes as (feeds the `%sender_*%` variables)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.errors import InvalidRequest
from coldcraft.senders.repository import SenderRepository
from coldcraft.senders.schemas import SenderCreate
from coldcraft.skeletons.schema import Sender
from coldcraft.store.models import Campaign, SenderAccount, User


class SenderService:
    async def create(self, session: AsyncSession, user: User, data: SenderCreate) -> SenderAccount:
        sender = SenderAccount(user_id=user.id, **data.model_dump())
        return await SenderRepository(session).add(sender)

    async def list_senders(
        self, session: AsyncSession, user: User, *, sender_type: str | None = None
    ) -> list[SenderAccount]:
        return await SenderRepository(session).list_for_user(user.id, sender_type=sender_type)

    async def validate_for_campaign(
        self, session: AsyncSession, user: User, sender_ids: list[uuid.UUID], *, campaign_type: str
    ) -> list[str]:
        """The ids (deduplicated, in order, as strings for the JSON column), or 400."""
        unique = list(dict.fromkeys(sender_ids))
        found = {s.id: s for s in await SenderRepository(session).get_many_owned(user.id, unique)}
        missing = [str(i) for i in unique if i not in found]
        if missing:
            raise InvalidRequest(f"Unknown sender account(s): {', '.join(missing)}")
        wrong = [str(i) for i in unique if found[i].type != campaign_type]
        if wrong:
            raise InvalidRequest(
                f"Sender account(s) {', '.join(wrong)} are not {campaign_type} senders"
            )
        return [str(i) for i in unique]

    async def campaign_sender(self, session: AsyncSession, campaign: Campaign) -> Sender | None:
        """The campaign's first sender account, as the template language sees it."""
        if not campaign.sender_account_ids:
            return None
        first = uuid.UUID(str(campaign.sender_account_ids[0]))
        found = await SenderRepository(session).get_many_owned(campaign.user_id, [first])
        if not found:
            return None
        account = found[0]
        return Sender(
            first_name=account.first_name,
            last_name=account.last_name,
            email=account.email_address,
            display_name=account.display_name,
        )


sender_service = SenderService()
