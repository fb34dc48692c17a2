"""Every sender account query."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from coldcraft.store.models import SenderAccount
from coldcraft.store.repository import Repository


class SenderRepository(Repository[SenderAccount]):
    model = SenderAccount

    async def list_for_user(
        self, user_id: uuid.UUID, *, sender_type: str | None = None
    ) -> list[SenderAccount]:
        stmt = select(SenderAccount).where(SenderAccount.user_id == user_id)
        if sender_type is not None:
            stmt = stmt.where(SenderAccount.type == sender_type)
        return list(await self.all(stmt.order_by(SenderAccount.created_at, SenderAccount.id)))

    async def get_many_owned(
        self, user_id: uuid.UUID, sender_ids: list[uuid.UUID]
    ) -> list[SenderAccount]:
        stmt = select(SenderAccount).where(
            SenderAccount.user_id == user_id, SenderAccount.id.in_(sender_ids)
        )
        return list(await self.all(stmt))
