"""Runs: the session claim, starting (record + enqueue) and cancelling runs, run tokens.

Starting a run from another domain's service (the claim, the run row and the enqueue are
one unit; call it LAST in your request, after every check that can fail):

    started = await run_service.start_run(
        session, user=user, kind="framework-chat-turn", campaign_id=campaign.id,
        session_id=chat.id, node_id=chat.node_id, params={...}, claim="chat_processing",
        settings=settings,
    )
    return {"runId": started.run_id, "publicAccessToken": started.public_access_token}

The run's body is the run kind registered under `kind` (see coldcraft/worker/registry.py).
`claim` atomically sets the session's `task_status` (SessionBusy -> 409 if it is held);
the run releases it when it ends, whatever the outcome.

How the enqueue commits: on PostgreSQL (DBOS tables in our database) the workflow row is
inserted through the request's own transaction, so claim + run + enqueue commit or roll
back together and this service only flushes. Otherwise (SQLite: DBOS keeps its own file)
it is the outbox pattern: `start_run` COMMITS the request's transaction (the run row is
the durable intent), then enqueues with workflow id = run id (idempotent); if that fails
it releases the claim, marks the run failed, commits and raises InternalError (500, the
session is immediately retryable); if the process dies in between, the sweep enqueues any
queued run that has no workflow.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings, get_settings
from coldcraft.errors import InternalError, NotFound, SessionBusy, Unauthorized
from coldcraft.runs.repository import (
    TERMINAL_STATUSES,
    Claim,
    ClaimRepository,
    RunItemRepository,
    RunRepository,
)
from coldcraft.runs.tokens import issue_token, new_run_id, read_token
from coldcraft.store.base import utcnow
from coldcraft.store.models import Run, User

log = logging.getLogger("coldcraft.runs")

RUN_NOT_FOUND = "Run not found"
ENQUEUE_FAILED = {"code": "internal", "message": "The run could not be enqueued"}


@dataclass(frozen=True)
class StartedRun:
    run: Run
    public_access_token: str

    @property
    def run_id(self) -> str:
        return self.run.id


class RunService:
    # --- the session claim ------------------------------------------------------------

    async def claim_session(
        self,
        session: AsyncSession,
        *,
        chat_session_id: uuid.UUID,
        task_status: str,
        run_id: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        """Atomically set `task_status` (and `task_claimed_at`, `task_run_id`) if free.

        When held, a stale claim (its run terminal or missing; a run-less claim older than
        `claim_lease_seconds`) is released and the claim retried once; otherwise raises
        SessionBusy(<current task_status>) -> 409 `Session is busy (<status>)`.
        A run-less claim (run_id None) is released with `release_session(run_id=None)`.
        """
        claims = ClaimRepository(session)
        if await claims.try_claim(chat_session_id, task_status, run_id):
            return
        current = await claims.current(chat_session_id)
        if current is None or await self._is_stale(session, current, settings):
            if current is not None:
                await claims.release_stale(current)
            if await claims.try_claim(chat_session_id, task_status, run_id):
                return
            current = await claims.current(chat_session_id) or current
        raise SessionBusy(current.task_status if current else "unknown")

    async def _is_stale(
        self, session: AsyncSession, claim: Claim, settings: Settings | None
    ) -> bool:
        if claim.run_id is None:
            lease = (settings or get_settings()).claim_lease_seconds
            started = claim.claimed_at
            return started is None or started < utcnow() - timedelta(seconds=lease)
        run = await RunRepository(session).get_fresh(claim.run_id)
        return run is None or run.status in TERMINAL_STATUSES

    async def release_session(
        self,
        session: AsyncSession,
        *,
        chat_session_id: uuid.UUID,
        run_id: str | None = None,
        error: dict[str, Any] | None = None,
    ) -> bool:
        """Free the session if the claim is still held by `run_id` (None: a run-less claim).

        With a run id, `last_run_id` is set and `last_error` becomes `{code, message,
        run_id}` (or null when `error` is None). Returns whether the claim was released.
        """
        values: dict[str, Any] = {}
        if run_id is not None:
            values = {"last_run_id": run_id, "last_error": _last_error(error, run_id)}
        elif error is not None:
            values = {"last_error": {**error, "run_id": None}}
        return await ClaimRepository(session).release(chat_session_id, run_id=run_id, values=values)

    async def release_for_run(self, session: AsyncSession, run: Run) -> None:
        if run.session_id is not None:
            error = run.error if run.status == "failed" else None
            await self.release_session(
                session, chat_session_id=run.session_id, run_id=run.id, error=error
            )

    # --- starting ---------------------------------------------------------------------

    async def start_run(
        self,
        session: AsyncSession,
        *,
        user: User,
        kind: str,
        settings: Settings,
        campaign_id: uuid.UUID | None = None,
        session_id: uuid.UUID | None = None,
        node_id: uuid.UUID | None = None,
        params: dict[str, Any] | None = None,
        claim: str | None = None,
    ) -> StartedRun:
        """Claim the session (if `claim`), record `runs(status=queued)` and enqueue it."""
        run_id = new_run_id()
        if claim is not None:
            assert session_id is not None, "a claim needs the chat session id"
            await self.claim_session(
                session,
                chat_session_id=session_id,
                task_status=claim,
                run_id=run_id,
                settings=settings,
            )
        run = Run(
            id=run_id,
            user_id=user.id,
            kind=kind,
            status="queued",
            session_id=session_id,
            campaign_id=campaign_id,
            node_id=node_id,
            params=params or {},
            usage=_zero_usage(),
        )
        session.add(run)
        await session.flush()
        await self._dispatch(session, run)
        return StartedRun(run, self.issue_token(settings, run_id))

    async def _dispatch(self, session: AsyncSession, run: Run) -> None:
        engine = _engine()
        if engine.in_transaction:
            try:
                await engine.enqueue_in_transaction(session, run.id)
            except Exception as exc:
                log.exception("enqueue of run %s failed", run.id)
                raise InternalError("Could not start the run; retry") from exc
            return
        await session.commit()  # the outbox: the run row is the durable intent
        try:
            await engine.enqueue(run.id)
        except Exception as exc:
            log.exception("enqueue of run %s failed", run.id)
            await self._abandon(session, run)
            raise InternalError("Could not start the run; retry") from exc

    async def _abandon(self, session: AsyncSession, run: Run) -> None:
        run.status, run.error, run.finished_at = "failed", ENQUEUE_FAILED, utcnow()
        await self.release_for_run(session, run)
        await session.commit()

    # --- reading, cancelling, tokens ----------------------------------------------------

    async def read(self, session: AsyncSession, run_id: str) -> Run | None:
        """The run as committed now (no ownership check: callers have authorised)."""
        return await RunRepository(session).get_fresh(run_id)

    async def item_results(self, session: AsyncSession, run_id: str) -> list[dict[str, Any]]:
        """The stored results of a run's finished items, in the order they were written."""
        rows = await RunItemRepository(session).results(run_id)
        return [result for _key, _ok, result in rows]

    async def get_owned(self, session: AsyncSession, user: User, run_id: str) -> Run:
        run = await RunRepository(session).get_owned(user.id, run_id)
        if run is None:
            raise NotFound(RUN_NOT_FOUND)
        return run

    async def get_with_token(
        self, session: AsyncSession, settings: Settings, run_id: str, token: str
    ) -> Run:
        """The run a publicAccessToken reads: another run's token -> 404, expired -> 401."""
        claims = read_token(settings.resolved_secret_key(), token)
        if claims is None:
            raise Unauthorized("Invalid run token")
        if claims.run_id != run_id:
            raise NotFound(RUN_NOT_FOUND)
        if claims.expired:
            raise Unauthorized(
                "Run token expired; request a new one with POST /api/runs/{id}/token"
            )
        run = await RunRepository(session).get_fresh(run_id)
        if run is None:
            raise NotFound(RUN_NOT_FOUND)
        return run

    def issue_token(self, settings: Settings, run_id: str) -> str:
        secret = settings.resolved_secret_key()
        return issue_token(secret, run_id, ttl_seconds=settings.run_token_ttl_seconds)

    async def cancel(self, session: AsyncSession, user: User, run_id: str) -> Run:
        """Cancel now: the run turns `cancelled`, its claim is released; the workers start no
        new item and drop the results of calls still in flight. Terminal runs are returned as
        they are."""
        run = await self.get_owned(session, user, run_id)
        run = await RunRepository(session).get_fresh(run.id, lock=True) or run
        await self._cancel(session, run)
        return run

    async def cancel_runs(
        self,
        session: AsyncSession,
        *,
        session_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> int:
        """Cancel every queued/running run of a chat session or a campaign; returns how many."""
        if session_id is None and campaign_id is None:
            return 0
        runs = await RunRepository(session).list_active(
            session_id=session_id, campaign_id=campaign_id
        )
        for run in runs:
            await self._cancel(session, run)
        return len(runs)

    async def _cancel(self, session: AsyncSession, run: Run) -> None:
        if run.status in TERMINAL_STATUSES:
            return
        run.cancel_requested = True
        run.status = "cancelled"
        run.finished_at = utcnow()
        await session.flush()
        await self.release_for_run(session, run)


def _engine() -> Any:
    from coldcraft.worker.engine import current_engine

    return current_engine()


def _zero_usage() -> dict[str, Any]:
    return {"input_tokens": 0, "output_tokens": 0, "requests": 0, "cost_usd": 0.0}


def _last_error(error: dict[str, Any] | None, run_id: str) -> dict[str, Any] | None:
    if error is None:
        return None
    return {
        "code": error.get("code", "internal"),
        "message": error.get("message", ""),
        "run_id": run_id,
    }


run_service = RunService()
