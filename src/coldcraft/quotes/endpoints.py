from __future__ import annotations

from fastapi import APIRouter

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession
from coldcraft.api.responses import errors
from coldcraft.quotes.schemas import Quote, QuoteRequest
from coldcraft.quotes.service import quote_service

router = APIRouter(prefix="/api", tags=["credits"])


@router.post("/credits/preview", response_model=Quote, responses=errors(400, 401, 404, 413))
async def preview(
    body: QuoteRequest, session: DBSession, user: CurrentUser, settings: AppSettings
) -> Quote:
    """What a chat turn, generate-examples, generate_ai or regenerate would spend: model
    requests, cost and duration ranges, and whether the spend cap allows it. Starts
    nothing."""
    return await quote_service.preview(session, user, body, settings=settings)
