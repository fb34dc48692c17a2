"""Workspace context: company, product, ICP, tone, `house_rules`... read by every writer call."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.context.repository import ContextRepository
from coldcraft.errors import InvalidRequest
from coldcraft.skeletons.rules.settings import rule_key_problems
from coldcraft.store.models import User


class ContextService:
    async def get_context(self, session: AsyncSession, user: User) -> dict[str, Any] | None:
        row = await ContextRepository(session).get(user.id)
        return None if row is None else row.context

    async def put_context(
        self, session: AsyncSession, user: User, context: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """Replace the whole object, stored as given (`house_rules` is read by the judge);
        `None` clears it."""
        problems = rule_key_problems(context or {})
        if problems:
            details = [{"field": p.split(":")[0], "message": p} for p in problems]
            raise InvalidRequest(f"Unknown house rule: {'; '.join(problems)}", details=details)
        contexts = ContextRepository(session)
        if context is None:
            await contexts.delete_for(user.id)
        else:
            await contexts.upsert(user.id, context)
        return context


context_service = ContextService()
