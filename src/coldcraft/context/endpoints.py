from __future__ import annotations

from fastapi import APIRouter

from coldcraft.api.deps import CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.context.schemas import ContextPut, ContextResponse
from coldcraft.context.service import context_service

router = APIRouter(prefix="/api", tags=["context"])


@router.get("/context", response_model=ContextResponse, responses=errors(400, 401))
async def get_context(session: DBSession, user: CurrentUser) -> ContextResponse:
    return ContextResponse(context=await context_service.get_context(session, user))


@router.put("/context", response_model=ContextResponse, responses=errors(400, 401, 413))
async def put_context(body: ContextPut, session: DBSession, user: CurrentUser) -> ContextResponse:
    """Replace the workspace context (at most 64 KB of JSON); `null` clears it."""
    return ContextResponse(context=await context_service.put_context(session, user, body.context))
