"""The campaigns list: status, prospects, drafts and quality at a glance; create, rename,
delete (after a confirmation)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from coldcraft.api.deps import DBSession
from coldcraft.campaigns.schemas import CampaignCreate, CampaignUpdate
from coldcraft.campaigns.service import campaign_service
from coldcraft.studio import queries
from coldcraft.studio.deps import ActingUser, StudioRoute, StudioUser, parse, redirect, render

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
PAGE = 20


@router.get("/")
async def campaigns_page(
    request: Request,
    session: DBSession,
    user: StudioUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    rows = await campaign_service.list_campaigns(session, user)
    shown = rows[(page - 1) * PAGE : page * PAGE]
    glance = [await queries.glance(session, user, campaign) for campaign, _ in shown]
    context = {"rows": glance, "page": page, "total": len(rows), "limit": PAGE}
    return render(request, "campaigns.html", context)


@router.post("/campaigns")
async def create_campaign(
    session: DBSession,
    user: ActingUser,
    name: Annotated[str, Form()],
    type: Annotated[str, Form()] = "email",
) -> Response:
    campaign, _ = await campaign_service.create(
        session, user, parse(CampaignCreate, name=name, type=type)
    )
    return redirect(f"/campaigns/{campaign.id}", flash=f"Created {campaign.name}.")


@router.post("/campaigns/{campaign_id}/rename")
async def rename_campaign(
    campaign_id: uuid.UUID, session: DBSession, user: ActingUser, name: Annotated[str, Form()]
) -> Response:
    data = parse(CampaignUpdate, name=name)
    campaign = await campaign_service.update(session, user, campaign_id, data)
    return redirect(f"/campaigns/{campaign.id}", flash=f"Renamed to {campaign.name}.")


@router.get("/campaigns/{campaign_id}/delete")
async def confirm_delete(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: StudioUser
) -> Response:
    campaign, _, by_status = await campaign_service.detail(session, user, campaign_id)
    context = {"campaign": campaign, "prospects": sum(by_status.values())}
    return render(request, "confirm_delete.html", context)


@router.post("/campaigns/{campaign_id}/delete")
async def delete_campaign(campaign_id: uuid.UUID, session: DBSession, user: ActingUser) -> Response:
    await campaign_service.delete(session, user, campaign_id)
    return redirect("/", flash="Campaign deleted.")
