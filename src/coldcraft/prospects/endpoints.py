"""Campaign leads: add (JSON or CSV), list, edit, delete. Mutations need a draft campaign."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from coldcraft.api.deps import CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.prospects.schemas import (
    MAX_PAGE,
    AddLeadsRequest,
    CsvImportResult,
    DeleteLeadsRequest,
    DeleteLeadsResponse,
    ImportResult,
    ProspectOut,
    ProspectPage,
    ProspectResponse,
    UpdateLeadRequest,
)
from coldcraft.prospects.service import prospect_service

router = APIRouter(prefix="/api", tags=["prospects"])

LEADS = "/campaigns/{campaign_id}/leads"


@router.post(LEADS, response_model=ImportResult, responses=errors(400, 401, 404, 413))
async def add_leads(
    campaign_id: uuid.UUID, body: AddLeadsRequest, session: DBSession, user: CurrentUser
) -> ImportResult:
    """Add 1..1000 prospects. Duplicates (same identity, in the batch or already in the
    campaign) are skipped and counted; a row without the identity field fails the call."""
    return await prospect_service.add_leads(session, user, campaign_id, body.prospects)


@router.get(LEADS, response_model=ProspectPage, responses=errors(400, 401, 404))
async def list_leads(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: CurrentUser,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> ProspectPage:
    """One page of the campaign's prospects in import order, optionally of one status."""
    items, total = await prospect_service.list_leads(
        session, user, campaign_id, page=page, limit=limit, status=status
    )
    prospects = [ProspectOut.model_validate(p) for p in items]
    return ProspectPage(prospects=prospects, total=total, page=page, limit=limit)


@router.patch(LEADS, response_model=ProspectResponse, responses=errors(400, 401, 404, 409, 413))
async def update_lead(
    campaign_id: uuid.UUID, body: UpdateLeadRequest, session: DBSession, user: CurrentUser
) -> ProspectResponse:
    """Edit one prospect; a new email/linkedin_url must stay unique in the campaign (409)."""
    prospect = await prospect_service.update_lead(
        session, user, campaign_id, body.prospect_id, body.updates
    )
    return ProspectResponse(prospect=ProspectOut.model_validate(prospect))


@router.delete(LEADS, response_model=DeleteLeadsResponse, responses=errors(400, 401, 404, 413))
async def delete_leads(
    campaign_id: uuid.UUID, body: DeleteLeadsRequest, session: DBSession, user: CurrentUser
) -> DeleteLeadsResponse:
    """Delete `prospect_ids` (ids not in the campaign are ignored) or, with `all: true`,
    every prospect of the campaign; their drafts go with them."""
    deleted = await prospect_service.delete_leads(
        session, user, campaign_id, prospect_ids=body.prospect_ids, all=bool(body.all)
    )
    return DeleteLeadsResponse(deleted=deleted)


@router.post(
    f"{LEADS}/import-csv", response_model=CsvImportResult, responses=errors(400, 401, 404, 413)
)
async def import_csv(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="CSV, UTF-8, header row, <= 10,000 rows")],
    mapping: Annotated[
        str | None, Form(description='JSON: {"CSV header": "field" | "custom_fields.<key>"}')
    ] = None,
) -> CsvImportResult:
    """Import a CSV file. Headers are auto-mapped (Email, First Name, Company, Title,
    LinkedIn...); other columns become custom_fields; bad rows are counted as `invalid`."""
    data = await file.read()
    return await prospect_service.import_csv(session, user, campaign_id, data=data, mapping=mapping)
