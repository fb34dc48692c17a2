from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession, Queue
from coldcraft.api.responses import errors
from coldcraft.examples.schemas import GenerateExamplesRequest
from coldcraft.examples.service import examples_service
from coldcraft.runs.schemas import StartRunResponse

router = APIRouter(prefix="/api", tags=["examples"])

RESPONSES = errors(400, 401, 404, 409, 413)


@router.post(
    "/campaigns/ai-chat-sessions/{session_id}/generate-examples",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StartRunResponse,
    responses=RESPONSES,
)
async def generate_examples(
    session_id: uuid.UUID,
    body: GenerateExamplesRequest,
    user: CurrentUser,
    session: DBSession,
    queue: Queue,
    settings: AppSettings,
) -> StartRunResponse:
    """Start a `generate-email-examples` run: one sample email per lead, written onto the
    session's `generated_examples` as each completes. Poll the session until `task_status`
    is null, or follow the run (`GET /api/runs/{runId}`, `/stream`)."""
    started = await examples_service.generate(
        session, queue, user, session_id, body, settings=settings
    )
    return StartRunResponse.of(started)


@router.post(
    "/campaigns/{campaign_id}/ai-chat-sessions/{session_id}/generate-examples",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=StartRunResponse,
    responses=RESPONSES,
)
async def generate_examples_in_campaign(
    campaign_id: uuid.UUID,
    session_id: uuid.UUID,
    body: GenerateExamplesRequest,
    user: CurrentUser,
    session: DBSession,
    queue: Queue,
    settings: AppSettings,
) -> StartRunResponse:
    """The same, addressed through the campaign (404 if the session is not in it)."""
    started = await examples_service.generate(
        session, queue, user, session_id, body, settings=settings, campaign_id=campaign_id
    )
    return StartRunResponse.of(started)
