"""The single-writer claim on a chat: one task at a time per chat session.

The claim is the `task_*` columns of `ai_chat_sessions` (the chat domain owns the rest of
the row): `task_status` is set by an atomic compare-and-set (`try_claim`), together with
`task_claimed_at` and `task_run_id` (the run holding it; None for a synchronous chat turn).
It is released by whoever holds it when its task ends, whatever the outcome; a claim whose
run is terminal or missing, or a run-less claim older than `claim_lease_seconds`, is stale:
the next claim (and the sweep) releases it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.errors import SessionBusy
from coldcraft.runs.kinds import ErrorInfo
from coldcraft.runs.repository import TERMINAL_STATUSES, RunRepository
from coldcraft.store.base import utcnow
from coldcraft.store.models import AIChatSession, Run


@dataclass(frozen=True)
class Claim:
    chat_id: uuid.UUID
    task_status: str
    run_id: str | None
    claimed_at: datetime | None

    def is_stale(self, run: Run | None, *, lease_start: datetime) -> bool:
        """Held by a run that is terminal or gone, or (run-less) claimed before the lease."""
        if self.run_id is None:
            return self.claimed_at is None or self.claimed_at < lease_start
        return run is None or run.status in TERMINAL_STATUSES


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


class ClaimRepository:
    """Compare-and-set statements on the claim columns; nothing else of the chat row."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def try_claim(self, chat_id: uuid.UUID, task_status: str, run_id: str | None) -> bool:
        stmt = (
            update(AIChatSession)
            .where(AIChatSession.id == chat_id, AIChatSession.task_status.is_(None))
            .values(task_status=task_status, task_claimed_at=utcnow(), task_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(await self.session.execute(stmt)) == 1

    async def current(self, chat_id: uuid.UUID) -> Claim | None:
        """The claim held now, or None when the chat is free (or gone)."""
        cols = (AIChatSession.task_status, AIChatSession.task_run_id, AIChatSession.task_claimed_at)
        stmt = select(*cols).where(AIChatSession.id == chat_id)
        row = (await self.session.execute(stmt)).one_or_none()
        if row is None or row[0] is None:
            return None
        return Claim(chat_id, row[0], row[1], row[2])

    async def release(
        self, chat_id: uuid.UUID, *, run_id: str | None, values: dict[str, Any]
    ) -> bool:
        """Free the chat if `run_id` (None: a run-less claim) still holds it."""
        held_by = (
            AIChatSession.task_run_id == run_id
            if run_id is not None
            else AIChatSession.task_run_id.is_(None)
        )
        stmt = (
            update(AIChatSession)
            .where(AIChatSession.id == chat_id, AIChatSession.task_status.is_not(None), held_by)
            .values(task_status=None, task_claimed_at=None, task_run_id=None, **values)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(await self.session.execute(stmt)) == 1

    async def release_stale(self, claim: Claim) -> bool:
        """Free exactly the claim observed (compare-and-set), never a newer one."""
        if claim.run_id is not None:
            same_claim = AIChatSession.task_run_id == claim.run_id
        else:
            same_claim = and_(
                AIChatSession.task_run_id.is_(None),
                or_(
                    AIChatSession.task_claimed_at.is_(None),
                    AIChatSession.task_claimed_at <= (claim.claimed_at or utcnow()),
                ),
            )
        stmt = (
            update(AIChatSession)
            .where(AIChatSession.id == claim.chat_id, AIChatSession.task_status.is_not(None))
            .where(same_claim)
            .values(task_status=None, task_claimed_at=None, task_run_id=None)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(await self.session.execute(stmt)) == 1

    async def list_claims(self, *, limit: int = 500) -> list[Claim]:
        cols = (
            AIChatSession.id,
            AIChatSession.task_status,
            AIChatSession.task_run_id,
            AIChatSession.task_claimed_at,
        )
        stmt = select(*cols).where(AIChatSession.task_status.is_not(None)).limit(limit)
        rows = (await self.session.execute(stmt)).all()
        return [Claim(row[0], str(row[1]), row[2], row[3]) for row in rows]


class ChatClaims:
    """Taking and releasing the claim, in the caller's transaction (nothing here commits)."""

    async def claim(
        self,
        session: AsyncSession,
        *,
        chat_id: uuid.UUID,
        task_status: str,
        lease_seconds: int,
        run_id: str | None = None,
    ) -> None:
        """Atomically set `task_status` (and `task_claimed_at`, `task_run_id`) if free.

        When held, a stale claim is released and the claim retried once; otherwise raises
        SessionBusy(<current task_status>) -> 409 `Session is busy (<status>)`. A run-less
        claim (run_id None) is released with `release(run_id=None)`.
        """
        claims = ClaimRepository(session)
        if await claims.try_claim(chat_id, task_status, run_id):
            return
        current = await claims.current(chat_id)
        if current is None or await self._is_stale(session, current, lease_seconds):
            if current is not None:
                await claims.release_stale(current)
            if await claims.try_claim(chat_id, task_status, run_id):
                return
            current = await claims.current(chat_id) or current
        raise SessionBusy(current.task_status if current else "unknown")

    async def _is_stale(self, session: AsyncSession, claim: Claim, lease_seconds: int) -> bool:
        run = None
        if claim.run_id is not None:
            run = await RunRepository(session).get_fresh(claim.run_id)
        return claim.is_stale(run, lease_start=utcnow() - timedelta(seconds=lease_seconds))

    async def release(
        self,
        session: AsyncSession,
        *,
        chat_id: uuid.UUID,
        run_id: str | None = None,
        error: ErrorInfo | None = None,
    ) -> bool:
        """Free the chat if the claim is still held by `run_id` (None: a run-less claim).

        With a run id, `last_run_id` is set and `last_error` becomes `{code, message,
        run_id}` (or null when `error` is None). Returns whether the claim was released.
        """
        values: dict[str, Any] = {}
        if run_id is not None:
            values = {"last_run_id": run_id, "last_error": _last_error(error, run_id)}
        elif error is not None:
            values = {"last_error": _last_error(error, None)}
        return await ClaimRepository(session).release(chat_id, run_id=run_id, values=values)

    async def release_for_run(self, session: AsyncSession, run: Run) -> None:
        if run.session_id is not None:
            error = ErrorInfo.of(run.error) if run.status == "failed" else None
            await self.release(session, chat_id=run.session_id, run_id=run.id, error=error)


def _last_error(error: ErrorInfo | None, run_id: str | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return {"code": error.code, "message": error.message, "run_id": run_id}


chat_claims = ChatClaims()
