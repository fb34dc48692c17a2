"""Queries for generate-examples: the chat session it runs on, and its owner."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from coldcraft.store.models import AIChatSession, User
from coldcraft.store.repository import Repository


class ExampleSessionRepository(Repository[AIChatSession]):
    model = AIChatSession

    async def get_owned(self, user_id: uuid.UUID, session_id: uuid.UUID) -> AIChatSession | None:
        stmt = select(AIChatSession).where(
            AIChatSession.id == session_id, AIChatSession.user_id == user_id
        )
        return await self.one_or_none(stmt)

    async def get_locked(self, session_id: uuid.UUID) -> AIChatSession | None:
        """The row as committed now, locked on PostgreSQL (examples are read-modify-written)."""
        stmt = (
            select(AIChatSession)
            .where(AIChatSession.id == session_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return await self.one_or_none(stmt)

    async def owner(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)
