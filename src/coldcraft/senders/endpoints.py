from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from coldcraft.api.deps import CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.senders.schemas import (
    SenderCreate,
    SenderOut,
    SenderResponse,
    SendersResponse,
    SenderType,
)
from coldcraft.senders.service import sender_service

router = APIRouter(prefix="/api", tags=["senders"])


@router.post(
    "/senders", status_code=201, response_model=SenderResponse, responses=errors(400, 401, 413)
)
async def create_sender(
    body: SenderCreate, session: DBSession, user: CurrentUser
) -> SenderResponse:
    """A sender account; email senders need an `email_address`."""
    sender = await sender_service.create(session, user, body)
    return SenderResponse(sender=SenderOut.model_validate(sender))


@router.get("/senders", response_model=SendersResponse, responses=errors(400, 401))
async def list_senders(
    session: DBSession, user: CurrentUser, type: Annotated[SenderType | None, Query()] = None
) -> SendersResponse:
    senders = await sender_service.list_senders(session, user, sender_type=type)
    return SendersResponse(senders=[SenderOut.model_validate(s) for s in senders])
