from __future__ import annotations

import uuid

from fastapi import APIRouter

from coldcraft.api.deps import CurrentUser, DBSession, DetachedUser, Sessions
from coldcraft.api.responses import errors
from coldcraft.campaigns.launch import launch_service
from coldcraft.campaigns.schemas import (
    CampaignCreate,
    CampaignCreated,
    CampaignDetail,
    CampaignResponse,
    CampaignsResponse,
    CampaignUpdate,
    SuccessResponse,
)
from coldcraft.campaigns.service import campaign_service

router = APIRouter(prefix="/api", tags=["campaigns"])


@router.post(
    "/campaigns",
    status_code=201,
    response_model=CampaignCreated,
    responses=errors(400, 401, 409, 413),
)
async def create_campaign(
    body: CampaignCreate, session: DBSession, user: CurrentUser
) -> CampaignCreated:
    """Create a draft campaign with its channel's seeded sequence (first touch, then end)."""
    campaign, nodes = await campaign_service.create(session, user, body)
    return CampaignCreated.build(campaign, nodes)


@router.get("/campaigns", response_model=CampaignsResponse, responses=errors(400, 401))
async def list_campaigns(session: DBSession, user: CurrentUser) -> CampaignsResponse:
    return CampaignsResponse.build(await campaign_service.list_campaigns(session, user))


@router.get(
    "/campaigns/{campaign_id}", response_model=CampaignDetail, responses=errors(400, 401, 404)
)
async def get_campaign(
    campaign_id: uuid.UUID, session: DBSession, user: CurrentUser
) -> CampaignDetail:
    return CampaignDetail.build(*await campaign_service.detail(session, user, campaign_id))


@router.patch(
    "/campaigns/{campaign_id}",
    response_model=CampaignResponse,
    responses=errors(400, 401, 404, 409, 413),
)
async def update_campaign(
    campaign_id: uuid.UUID, body: CampaignUpdate, session: DBSession, user: CurrentUser
) -> CampaignResponse:
    """Partial update. Signature and senders change only in draft (they feed rendering)."""
    return CampaignResponse.build(await campaign_service.update(session, user, campaign_id, body))


@router.delete(
    "/campaigns/{campaign_id}", response_model=SuccessResponse, responses=errors(400, 401, 404)
)
async def delete_campaign(
    campaign_id: uuid.UUID, session: DBSession, user: CurrentUser
) -> SuccessResponse:
    """Delete with its nodes, prospects, sessions and messages; cancels its runs."""
    await campaign_service.delete(session, user, campaign_id)
    return SuccessResponse()


@router.post(
    "/campaigns/{campaign_id}/launch",
    response_model=CampaignResponse,
    responses=errors(400, 401, 404),
)
async def launch_campaign(
    campaign_id: uuid.UUID, sessions: Sessions, user: DetachedUser
) -> CampaignResponse:
    """Resolve the outbox, run every launch check (all problems listed in one 400) and move
    draft -> active. The resolve commits in chunks, so no request transaction is held."""
    return CampaignResponse.build(await launch_service.launch(sessions, user, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/pause",
    response_model=CampaignResponse,
    responses=errors(400, 401, 404),
)
async def pause_campaign(
    campaign_id: uuid.UUID, session: DBSession, user: CurrentUser
) -> CampaignResponse:
    return CampaignResponse.build(await campaign_service.pause(session, user, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/resume",
    response_model=CampaignResponse,
    responses=errors(400, 401, 404),
)
async def resume_campaign(
    campaign_id: uuid.UUID, session: DBSession, user: CurrentUser
) -> CampaignResponse:
    return CampaignResponse.build(await launch_service.resume(session, user, campaign_id))
