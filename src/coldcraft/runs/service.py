"""Runs: starting (record + enqueue), reading and cancelling runs, run tokens.

Starting a run from another domain's service (the claim, the run row and the enqueue are
one unit; call it LAST in your request, after every check that can fail):

    started = await run_service.start_run(
        session, queue, user=user, kind=GenerateExamples.name, params=ExamplesParams(...),
        campaign_id=campaign.id, chat_id=chat.id, node_id=chat.node_id,
        claim="generating_examples", settings=settings,
    )

`queue` is the process's `RunQueue` (the run engine; endpoints get it from
`api.deps.Queue`). `claim` atomically sets the chat's `task_status` (SessionBusy -> 409 if
it is held, see claims.py); the run releases it when it ends, whatever the outcome.

Nothing here commits: the caller's unit of work does. How the enqueue joins it:
- the queue shares our database (PostgreSQL: DBOS tables in our database): the workflow row
  is inserted through the caller's transaction, so claim + run + enqueue commit or roll
  back together;
- otherwise (SQLite: DBOS keeps its own file) the run row is the durable intent: the
  enqueue is an after-commit hook (workflow id = run id, idempotent). If it fails, the hook
  marks the run failed and releases the claim (the owner commits that) and raises
  InternalError (500, the chat is immediately retryable); if the process dies in between,
  the sweep enqueues any queued run that has no workflow.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.errors import InternalError, NotFound, Unauthorized
from coldcraft.llm.usage import Usage
from coldcraft.runs.claims import chat_claims
from coldcraft.runs.kinds import RunQueue
from coldcraft.runs.repository import (
    TERMINAL_STATUSES,
    RunItemRepository,
    RunRepository,
    SpendRepository,
)
from coldcraft.runs.tokens import issue_token, new_run_id, read_token
from coldcraft.store.base import utcnow
from coldcraft.store.models import Run, User
from coldcraft.store.session import after_commit

log = logging.getLogger("coldcraft.runs")

RUN_NOT_FOUND = "Run not found"
ENQUEUE_FAILED = {"code": "internal", "message": "The run could not be enqueued"}
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class StartedRun:
    run: Run
    public_access_token: str

    @property
    def run_id(self) -> str:
        return self.run.id


class RunService:
    async def start_run(
        self,
        session: AsyncSession,
        queue: RunQueue,
        *,
        user: User,
        kind: str,
        params: BaseModel,
        settings: Settings,
        campaign_id: uuid.UUID | None = None,
        chat_id: uuid.UUID | None = None,
        node_id: uuid.UUID | None = None,
        claim: str | None = None,
    ) -> StartedRun:
        """Claim the chat (if `claim`), record `runs(status=queued)`, enqueue it (now or
        after the caller's commit; see the module docstring)."""
        run_id = new_run_id()
        if claim is not None:
            assert chat_id is not None, "a claim needs the chat session id"
            await chat_claims.claim(
                session,
                chat_id=chat_id,
                task_status=claim,
                run_id=run_id,
                lease_seconds=settings.claim_lease_seconds,
            )
        run = Run(
            id=run_id,
            user_id=user.id,
            kind=kind,
            status="queued",
            session_id=chat_id,
            campaign_id=campaign_id,
            node_id=node_id,
            params=params.model_dump(mode="json", exclude_unset=True, by_alias=True),
            usage=Usage().as_dict(),
        )
        session.add(run)
        await session.flush()
        await self._dispatch(session, queue, run)
        return StartedRun(run, self.issue_token(settings, run_id))

    async def _dispatch(self, session: AsyncSession, queue: RunQueue, run: Run) -> None:
        if queue.in_transaction:
            try:
                await queue.enqueue_in_transaction(session, run.id)
            except Exception as exc:
                log.exception("enqueue of run %s failed", run.id)
                raise InternalError("Could not start the run; retry") from exc
            return

        async def enqueue(committed: AsyncSession) -> None:
            try:
                await queue.enqueue(run.id)
            except Exception as exc:
                log.exception("enqueue of run %s failed", run.id)
                await self._abandon(committed, run.id)
                raise InternalError("Could not start the run; retry") from exc

        after_commit(session, enqueue)

    async def _abandon(self, session: AsyncSession, run_id: str) -> None:
        """A run that could not be enqueued: failed, its claim released."""
        run = await RunRepository(session).get_fresh(run_id, lock=True)
        if run is None or run.status in TERMINAL_STATUSES:
            return
        run.status, run.error, run.finished_at = "failed", ENQUEUE_FAILED, utcnow()
        await session.flush()
        await chat_claims.release_for_run(session, run)

    # --- reading, cancelling, tokens ----------------------------------------------------

    async def read(self, session: AsyncSession, run_id: str) -> Run | None:
        """The run as committed now (no ownership check: callers have authorised)."""
        return await RunRepository(session).get_fresh(run_id)

    async def item_results(
        self, session: AsyncSession, run_id: str, model: type[ResultT]
    ) -> list[ResultT]:
        """The stored results of a run's finished items, in the order they were written."""
        rows = await RunItemRepository(session).results(run_id)
        return [model.model_validate(result) for _key, _ok, result in rows]

    async def list_runs(
        self,
        session: AsyncSession,
        user: User,
        *,
        status: str | None = None,
        campaign_id: uuid.UUID | None = None,
        page: int = 1,
        limit: int = 50,
    ) -> tuple[Sequence[Run], int]:
        """The caller's runs, newest first (a page), and how many match in all."""
        return await RunRepository(session).page_for_user(
            user.id, status=status, campaign_id=campaign_id, offset=(page - 1) * limit, limit=limit
        )

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

    def spend(self, session: AsyncSession) -> SpendRepository:
        """Read-only sums over an account's runs (cost, work in flight) for the spend cap."""
        return SpendRepository(session)

    async def active_run_id(
        self, session: AsyncSession, kind: str, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> str | None:
        """A queued or running run of `kind` on the node, if any."""
        return await SpendRepository(session).active_run(kind, campaign_id, node_id)

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
        chat_id: uuid.UUID | None = None,
        campaign_id: uuid.UUID | None = None,
    ) -> int:
        """Cancel every queued/running run of a chat session or a campaign; returns how many."""
        if chat_id is None and campaign_id is None:
            return 0
        runs = await RunRepository(session).list_active(chat_id=chat_id, campaign_id=campaign_id)
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
        await chat_claims.release_for_run(session, run)


run_service = RunService()
