"""The framework chat: generate-content (a synchronous turn), sessions, and /turn (a run)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession, DetachedUser, Queue, Sessions
from coldcraft.api.responses import errors
from coldcraft.chat.schemas import (
    GenerateContentRequest,
    GenerateContentResponse,
    SessionCreate,
    SessionList,
    SessionOut,
    SessionResponse,
    SessionUpdate,
    Success,
    TurnRequest,
)
from coldcraft.chat.service import chat_service
from coldcraft.chat.turns import turn_service
from coldcraft.runs.schemas import StartRunResponse

router = APIRouter(prefix="/api", tags=["chat"])

SESSIONS = "/campaigns/ai-chat-sessions"
SESSION = SESSIONS + "/{session_id}"


@router.post(
    "/campaigns/{campaign_id}/generate-content",
    response_model=GenerateContentResponse,
    responses=errors(400, 401, 404, 409, 413, 502),
)
async def generate_content(
    campaign_id: uuid.UUID,
    body: GenerateContentRequest,
    user: DetachedUser,
    settings: AppSettings,
    sessions: Sessions,
) -> GenerateContentResponse:
    """Run one framework-chat turn synchronously on the node's session (created lazily).
    409 `Session is busy (...)` while another turn or example run holds the session."""
    return await turn_service.generate_content(
        user, campaign_id, body, sessions=sessions, settings=settings
    )


@router.post(
    SESSIONS,
    status_code=201,
    response_model=SessionResponse,
    responses={
        200: {"model": SessionResponse, "description": "The existing session"},
        **errors(400, 401, 404, 413),
    },
)
async def create_session(
    body: SessionCreate, session: DBSession, user: CurrentUser, response: Response
) -> SessionResponse:
    """The node's session: 201 when created now, 200 with the existing one."""
    chat, created = await chat_service.create_chat(session, user, body)
    if not created:
        response.status_code = 200
    return SessionResponse(session=SessionOut.model_validate(chat))


@router.get(SESSIONS, response_model=SessionList, responses=errors(400, 401, 404))
async def list_sessions(
    session: DBSession,
    user: CurrentUser,
    campaign_id: Annotated[uuid.UUID | None, Query(description="Only this campaign's")] = None,
) -> SessionList:
    chats = await chat_service.list_chats(session, user, campaign_id=campaign_id)
    return SessionList(sessions=[SessionOut.model_validate(c) for c in chats])


@router.get(SESSION, response_model=SessionResponse, responses=errors(400, 401, 404))
async def get_session(
    session_id: uuid.UUID, session: DBSession, user: CurrentUser
) -> SessionResponse:
    """The row clients poll (one query)."""
    row = await chat_service.read_chat(session, user, session_id)
    return SessionResponse(session=SessionOut.model_validate(row))


@router.patch(SESSION, response_model=SessionResponse, responses=errors(400, 401, 404, 409, 413))
async def update_session(
    session_id: uuid.UUID,
    body: SessionUpdate,
    session: DBSession,
    user: CurrentUser,
    settings: AppSettings,
) -> SessionResponse:
    """Partial update; a new skeleton must pass the judge (400 with its issues)."""
    chat = await chat_service.update_chat(session, user, session_id, body, settings=settings)
    return SessionResponse(session=SessionOut.model_validate(chat))


@router.delete(SESSION, response_model=Success, responses=errors(400, 401, 404))
async def delete_session(session_id: uuid.UUID, session: DBSession, user: CurrentUser) -> Success:
    await chat_service.delete_chat(session, user, session_id)
    return Success()


@router.post(
    SESSION + "/turn",
    status_code=202,
    response_model=StartRunResponse,
    responses=errors(400, 401, 404, 409, 413),
)
async def start_turn(
    session_id: uuid.UUID,
    body: TurnRequest,
    session: DBSession,
    queue: Queue,
    user: CurrentUser,
    settings: AppSettings,
) -> StartRunResponse:
    """The asynchronous turn: poll GET /api/runs/{runId}, then the session."""
    started = await turn_service.start_turn(
        session, queue, user, session_id, body, settings=settings
    )
    return StartRunResponse.of(started)
