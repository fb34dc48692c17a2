"""The workspace context query (one row per account, keyed by user id)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from coldcraft.store.base import utcnow
from coldcraft.store.models import WorkspaceContext
from coldcraft.store.repository import Repository


class ContextRepository(Repository[WorkspaceContext]):
    model = WorkspaceContext

    async def upsert(self, user_id: uuid.UUID, context: dict[str, Any]) -> None:
        """One statement, so two concurrent first PUTs cannot collide on the primary key."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(WorkspaceContext).values(user_id=user_id, context=context)
        stmt = stmt.on_conflict_do_update(
            index_elements=[WorkspaceContext.user_id],
            set_={"context": stmt.excluded.context, "updated_at": utcnow()},
        )
        await self.session.execute(stmt)

    async def delete_for(self, user_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(WorkspaceContext).where(WorkspaceContext.user_id == user_id)
        )
