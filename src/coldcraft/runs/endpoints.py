from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sse_starlette import EventSourceResponse

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession, Sessions
from coldcraft.api.responses import errors
from coldcraft.runs.deps import ReadableRun, RunId
from coldcraft.runs.schemas import RunOut, RunResponse, RunsPage, RunStatus, TokenResponse
from coldcraft.runs.service import run_service
from coldcraft.runs.stream import PING_SECONDS, run_events

router = APIRouter(prefix="/api", tags=["runs"])

READ = errors(400, 401, 404)
RUNS_PAGE_MAX = 200


@router.get("/runs", response_model=RunsPage, responses=READ)
async def list_runs(
    user: CurrentUser,
    session: DBSession,
    status: RunStatus | None = None,
    campaign_id: uuid.UUID | None = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    limit: Annotated[int, Query(ge=1, le=RUNS_PAGE_MAX)] = 50,
) -> RunsPage:
    """Your runs, newest first: every kind (chat turns, examples, generate_ai, regenerate),
    filtered by status or campaign, paged."""
    runs, total = await run_service.list_runs(
        session, user, status=status, campaign_id=campaign_id, page=page, limit=limit
    )
    return RunsPage(runs=[RunOut.from_run(r) for r in runs], total=total, page=page, limit=limit)


@router.get("/runs/{run_id}", response_model=RunResponse, responses=READ)
async def get_run(run: ReadableRun) -> RunResponse:
    """A run's status, progress and usage. Auth: the owner's API key, or the run's
    publicAccessToken (Bearer or `?token=`)."""
    return RunResponse(run=RunOut.from_run(run))


@router.get(
    "/runs/{run_id}/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **READ},
    response_class=EventSourceResponse,
)
async def stream_run(run: ReadableRun, sessions: Sessions) -> EventSourceResponse:
    """`event: progress` with `{"run": ...}` on every change (at most ~2/s), `event: end`
    when the run is terminal, keep-alive comments in between. Same auth as GET."""
    return EventSourceResponse(run_events(sessions, run.id), ping=PING_SECONDS)


@router.post("/runs/{run_id}/cancel", response_model=RunResponse, responses=READ)
async def cancel_run(run_id: RunId, user: CurrentUser, session: DBSession) -> RunResponse:
    """Cancel (API key only): no new model call starts, results so far are kept, the session
    claim is released. A run that already ended is returned unchanged."""
    run = await run_service.cancel(session, user, run_id)
    return RunResponse(run=RunOut.from_run(run))


@router.post("/runs/{run_id}/token", response_model=TokenResponse, responses=READ)
async def new_token(
    run_id: RunId, user: CurrentUser, session: DBSession, settings: AppSettings
) -> TokenResponse:
    """A fresh read-only publicAccessToken for the run (API key only)."""
    run = await run_service.get_owned(session, user, run_id)
    return TokenResponse(public_access_token=run_service.issue_token(settings, run.id))
