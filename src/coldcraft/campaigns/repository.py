"""Every campaign query."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from coldcraft.errors import Conflict
from coldcraft.store.models import Campaign
from coldcraft.store.repository import Repository


class CampaignRepository(Repository[Campaign]):
    model = Campaign

    async def get_owned(
        self, user_id: uuid.UUID, campaign_id: uuid.UUID, *, for_update: bool = False
    ) -> Campaign | None:
        stmt = select(Campaign).where(Campaign.id == campaign_id, Campaign.user_id == user_id)
        if for_update:
            # FOR UPDATE on PostgreSQL (SQLite ignores it: its writers are already serial);
            # populate_existing so a row loaded earlier in the session is re-read under the lock.
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return await self.one_or_none(stmt)

    async def name_taken(
        self, user_id: uuid.UUID, name: str, *, exclude_id: uuid.UUID | None = None
    ) -> bool:
        stmt = select(Campaign.id).where(Campaign.user_id == user_id, Campaign.name == name)
        if exclude_id is not None:
            stmt = stmt.where(Campaign.id != exclude_id)
        return (await self.session.execute(stmt.limit(1))).first() is not None

    async def flush_unique(self, campaign: Campaign) -> None:
        """Flush in a savepoint: a concurrent duplicate name is a 409, not a broken transaction."""
        try:
            async with self.session.begin_nested():
                self.session.add(campaign)
        except IntegrityError as exc:
            raise Conflict(f"A campaign named {campaign.name!r} already exists") from exc

    async def list_for_user(self, user_id: uuid.UUID) -> list[Campaign]:
        stmt = (
            select(Campaign)
            .where(Campaign.user_id == user_id)
            .order_by(Campaign.created_at.desc(), Campaign.id)
        )
        return list(await self.all(stmt))

    async def delete_by_id(self, campaign_id: uuid.UUID) -> None:
        # The database cascades to nodes, prospects, sessions and messages.
        await self.session.execute(delete(Campaign).where(Campaign.id == campaign_id))
