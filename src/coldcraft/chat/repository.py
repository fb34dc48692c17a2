"""Every ai_chat_sessions query (the claim itself lives in the runs domain)."""

from __future__ import annotations

import uuid

from sqlalchemy import RowMapping, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from coldcraft.store.models import AIChatSession
from coldcraft.store.repository import Repository

# The row clients poll, as plain columns. Built once: no statement building, cache-key
# generation or ORM identity map per poll (a tenth of a GET's CPU); the agent's large
# message history is never read.
_SESSIONS = AIChatSession.__table__
_POLLED = select(*(c for c in _SESSIONS.c if c.key != "agent_history")).where(
    _SESSIONS.c.id == bindparam("session_id"), _SESSIONS.c.user_id == bindparam("user_id")
)


class ChatSessionRepository(Repository[AIChatSession]):
    model = AIChatSession

    async def read_polled(self, user_id: uuid.UUID, chat_id: uuid.UUID) -> RowMapping | None:
        """The owned session's columns as a mapping (read-only: the GET clients poll)."""
        params = {"session_id": chat_id, "user_id": user_id}
        return (await self.session.execute(_POLLED, params)).mappings().one_or_none()

    async def get_owned(
        self, user_id: uuid.UUID, chat_id: uuid.UUID, *, fresh: bool = False
    ) -> AIChatSession | None:
        """One indexed query by primary key; `fresh` re-reads a row this session already holds."""
        stmt = select(AIChatSession).where(
            AIChatSession.id == chat_id, AIChatSession.user_id == user_id
        )
        if fresh:
            stmt = stmt.execution_options(populate_existing=True)
        # Clients poll this row: skip the agent's (large) message history they never see.
        return await self.one_or_none(stmt.options(defer(AIChatSession.agent_history)))

    async def get_fresh(self, chat_id: uuid.UUID, *, lock: bool = True) -> AIChatSession | None:
        """The row as committed now; `lock` (FOR UPDATE on PostgreSQL) for a read-modify-write."""
        stmt = (
            select(AIChatSession)
            .where(AIChatSession.id == chat_id)
            .execution_options(populate_existing=True)
        )
        if lock:
            stmt = stmt.with_for_update()
        return await self.one_or_none(stmt)

    async def get_for_node(
        self, user_id: uuid.UUID, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> AIChatSession | None:
        stmt = select(AIChatSession).where(
            AIChatSession.user_id == user_id,
            AIChatSession.campaign_id == campaign_id,
            AIChatSession.node_id == node_id,
        )
        return await self.one_or_none(stmt)

    async def get_by_node(self, campaign_id: uuid.UUID, node_id: uuid.UUID) -> AIChatSession | None:
        stmt = select(AIChatSession).where(
            AIChatSession.campaign_id == campaign_id, AIChatSession.node_id == node_id
        )
        return (await self.session.execute(stmt.limit(1))).scalars().first()

    async def insert_unique(self, row: AIChatSession) -> bool:
        """Insert in a savepoint; False when a concurrent call created the same (user, campaign,
        node) session first (the unique constraint decides, the transaction stays usable)."""
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            return False
        return True

    async def list_for_user(
        self, user_id: uuid.UUID, *, campaign_id: uuid.UUID | None = None
    ) -> list[AIChatSession]:
        stmt = select(AIChatSession).where(AIChatSession.user_id == user_id)
        if campaign_id is not None:
            stmt = stmt.where(AIChatSession.campaign_id == campaign_id)
        stmt = stmt.order_by(AIChatSession.created_at, AIChatSession.id)
        stmt = stmt.options(defer(AIChatSession.agent_history))
        return list(await self.all(stmt))

    async def drafts_for_campaign(
        self, user_id: uuid.UUID, campaign_id: uuid.UUID
    ) -> dict[uuid.UUID, tuple[str | None, str | None]]:
        """node id -> (draft_subject, draft_body) of the campaign's sessions (two columns)."""
        stmt = select(
            AIChatSession.node_id, AIChatSession.draft_subject, AIChatSession.draft_body
        ).where(AIChatSession.user_id == user_id, AIChatSession.campaign_id == campaign_id)
        rows = (await self.session.execute(stmt)).all()
        return {row[0]: (row[1], row[2]) for row in rows}

    async def delete_by_id(self, chat_id: uuid.UUID) -> None:
        await self.session.execute(delete(AIChatSession).where(AIChatSession.id == chat_id))
