"""A run: progress (live over its event stream), cost so far, cancel."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from sse_starlette import EventSourceResponse

from coldcraft.api.deps import DBSession, Sessions
from coldcraft.runs.deps import RunId
from coldcraft.runs.schemas import RunOut
from coldcraft.runs.service import run_service
from coldcraft.runs.stream import PING_SECONDS, run_events
from coldcraft.studio.auth import safe_next
from coldcraft.studio.deps import ActingUser, StudioRoute, StudioUser, redirect, render

router = APIRouter(route_class=StudioRoute, include_in_schema=False)


@router.get("/runs/{run_id}")
async def run_page(
    run_id: RunId,
    request: Request,
    session: DBSession,
    user: StudioUser,
    back: Annotated[str, Query(max_length=500)] = "/",
) -> Response:
    run = RunOut.from_run(await run_service.get_owned(session, user, run_id))
    return render(request, "run.html", {"run": run, "back": safe_next(back)})


@router.get("/runs/{run_id}/events")
async def run_stream(
    run_id: RunId, session: DBSession, sessions: Sessions, user: StudioUser
) -> EventSourceResponse:
    """The run's server-sent events (the API's stream), for the signed-in owner."""
    run = await run_service.get_owned(session, user, run_id)
    return EventSourceResponse(run_events(sessions, run.id), ping=PING_SECONDS)


@router.post("/runs/{run_id}/cancel")
async def cancel_run(
    run_id: RunId, session: DBSession, user: ActingUser, back: Annotated[str, Form()] = "/"
) -> Response:
    run = await run_service.cancel(session, user, run_id)
    return redirect(f"/runs/{run.id}?back={safe_next(back)}", flash=f"Run {run.status}.")
