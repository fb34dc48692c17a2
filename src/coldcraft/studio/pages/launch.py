"""Launch: the gate's problems with links to the drafts concerned; launch, pause, resume;
the CSV export in both formats."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.api.deps import DBSession, Sessions
from coldcraft.campaigns.access import get_owned
from coldcraft.campaigns.launch import launch_service
from coldcraft.campaigns.service import campaign_service
from coldcraft.errors import InvalidRequest
from coldcraft.messages.service import message_service
from coldcraft.store.models import User
from coldcraft.store.session import reading
from coldcraft.studio.deps import (
    ActingUser,
    DetachedActingUser,
    StudioRoute,
    StudioUser,
    redirect,
    render,
)

router = APIRouter(route_class=StudioRoute, include_in_schema=False)


@router.get("/campaigns/{campaign_id}/launch")
async def launch_page(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: StudioUser
) -> Response:
    campaign = await get_owned(session, user, campaign_id)
    context = {"campaign": campaign, "problems": None, "tab": "launch"}
    return render(request, "launch.html", context)


@router.post("/campaigns/{campaign_id}/launch")
async def launch(
    campaign_id: uuid.UUID, request: Request, sessions: Sessions, user: DetachedActingUser
) -> Response:
    """Launch through the gate; refused, the page lists its problems."""
    try:
        await launch_service.launch(sessions, user, campaign_id)
    except InvalidRequest as exc:
        async with reading(sessions) as session:
            return await _refused(request, session, user, campaign_id, exc)
    return redirect(f"/campaigns/{campaign_id}/launch", flash="Launched: the campaign is active.")


async def _refused(
    request: Request, session: AsyncSession, user: User, campaign_id: uuid.UUID, exc: InvalidRequest
) -> Response:
    """The launch page listing the gate's problems (other refusals: the error page)."""
    if not exc.details:
        raise exc
    campaign = await get_owned(session, user, campaign_id)
    context = {"campaign": campaign, "problems": exc.details, "tab": "launch"}
    return render(request, "launch.html", context, status=400)


@router.post("/campaigns/{campaign_id}/pause")
async def pause(campaign_id: uuid.UUID, session: DBSession, user: ActingUser) -> Response:
    await campaign_service.pause(session, user, campaign_id)
    return redirect(f"/campaigns/{campaign_id}/launch", flash="Paused.")


@router.post("/campaigns/{campaign_id}/resume")
async def resume(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: ActingUser
) -> Response:
    try:
        await launch_service.resume(session, user, campaign_id)
    except InvalidRequest as exc:
        return await _refused(request, session, user, campaign_id, exc)
    return redirect(f"/campaigns/{campaign_id}/launch", flash="Resumed: the campaign is active.")


@router.get("/campaigns/{campaign_id}/export.csv")
async def export(
    campaign_id: uuid.UUID,
    session: DBSession,
    sessions: Sessions,
    user: StudioUser,
    format: Annotated[Literal["long", "wide"], Query()] = "long",
) -> StreamingResponse:
    """The API's export (same service, same bytes)."""
    campaign, stream = await message_service.export_csv(
        session, sessions, user, campaign_id, status="all", wide=format == "wide"
    )
    filename = f"coldcraft-{format}-{campaign.id}.csv"
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
