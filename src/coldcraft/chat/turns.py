"""A framework chat turn: synchronous (generate-content) or as a run (/turn).

Both go through the same pieces: `prepare_turn` (chat/context.py) builds what the agent is
told, `run_turn_model` calls the model with NO database transaction open, `persist_turn`
writes the reply and any accepted skeleton in one short transaction.

The synchronous turn is the one service that commits: it owns the short transactions
around the model call (design.md: never hold a transaction across an LLM call), so it
commits the request's session between phases. Its run-less claim is released on every
path, also when the request is cancelled (a shielded release in a fresh session).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.service import campaign_service
from coldcraft.chat.context import PreparedTurn, TurnInputs, prepare_turn
from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.chat.schemas import GenerateContentRequest, GenerateContentResponse, TurnRequest
from coldcraft.chat.service import accept_skeleton, append_message, chat_service
from coldcraft.config import Settings
from coldcraft.errors import Conflict, NotFound, UpstreamError
from coldcraft.llm.errors import LLMError
from coldcraft.llm.framework_agent import TurnLimits, TurnResult, run_framework_turn
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.search import web_search_from_settings
from coldcraft.llm.usage import Usage
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.skeletons.schema import Skeleton
from coldcraft.store.models import AIChatSession, User
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.worker.runtime import resolve_run_model

log = logging.getLogger("coldcraft.chat")

CHAT_PROCESSING = "chat_processing"
TURN_RUN_KIND = "framework-chat-turn"
LOST_CLAIM = (
    "The chat turn lost its hold on the session (it outlived the claim lease); "
    "its reply was not saved"
)


@dataclass
class TurnOutput:
    """A model turn as JSON-able data (a run checkpoints it and hands it to the write step)."""

    assistant_message: str
    skeleton: dict[str, Any] | None  # wire shape; the skeleton accepted in THIS turn
    history_json: str
    model_name: str
    usage: dict[str, Any]

    @classmethod
    def from_result(cls, result: TurnResult) -> TurnOutput:
        skeleton = result.skeleton.wire() if result.skeleton is not None else None
        return cls(
            assistant_message=result.assistant_message,
            skeleton=skeleton,
            history_json=result.history_json,
            model_name=result.model_name,
            usage=result.usage.as_dict(),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnOutput:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def llm_usage(self) -> Usage:
        return Usage.from_dict(self.usage)


async def run_turn_model(
    prepared: PreparedTurn, model: ResolvedModel, settings: Settings
) -> TurnOutput:
    """The model call (pure LLM layer, no database). Raises `LLMError` on provider failure."""
    result = await run_framework_turn(
        prepared.message,
        prepared.context,
        model=model,
        history_json=prepared.history_json,
        limits=TurnLimits.from_settings(settings),
        search=web_search_from_settings(settings),
    )
    return TurnOutput.from_result(result)


async def persist_turn(
    session: AsyncSession, session_id: uuid.UUID, output: TurnOutput, *, run_id: str | None
) -> tuple[AIChatSession, bool]:
    """Append the reply and adopt the accepted skeleton, if the turn still holds the claim.
    Returns the session and whether its skeleton changed."""
    chat = await ChatSessionRepository(session).get_fresh(session_id)
    if chat is None:
        raise NotFound("Chat session not found")
    if chat.task_status != CHAT_PROCESSING or chat.task_run_id != run_id:
        raise Conflict(LOST_CLAIM)
    append_message(chat, "assistant", output.assistant_message)
    updated = False
    if output.skeleton is not None:
        updated = accept_skeleton(chat, Skeleton.model_validate(output.skeleton))
    chat.agent_history = output.history_json
    chat.last_error = None
    await session.flush()
    return chat, updated


@dataclass
class _Claim:
    session_id: uuid.UUID
    released: bool = False


class TurnService:
    async def generate_content(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        data: GenerateContentRequest,
        *,
        sessions: SessionMaker,
        settings: Settings,
    ) -> GenerateContentResponse:
        """One synchronous turn: checks, claim (commit), user message (commit), model call
        (no transaction), reply + release (commit). 409 when busy, 502 on provider failure."""
        chat, _ = await chat_service.open_for_node(session, user, campaign_id, data.node_id)
        await run_service.claim_session(
            session, chat_session_id=chat.id, task_status=CHAT_PROCESSING, settings=settings
        )
        await session.commit()
        claim = _Claim(chat.id)
        inputs = TurnInputs(data.message, data.sample_leads, data.sequence_context)
        try:
            return await self._sync_turn(session, claim, inputs, settings=settings)
        except LLMError as exc:
            await self._release(session, sessions, claim, error=exc.as_dict())
            raise UpstreamError(exc.message) from exc
        finally:
            if not claim.released:
                await self._release(session, sessions, claim, error=None)

    async def start_turn(
        self,
        session: AsyncSession,
        user: User,
        session_id: uuid.UUID,
        data: TurnRequest,
        *,
        settings: Settings,
    ) -> StartedRun:
        """The asynchronous turn: the user message, the claim, the run and its enqueue are
        one unit (a busy session rolls the message back)."""
        chat = await chat_service.get_session(session, user, session_id, fresh=True)
        campaign = await campaign_service.get_owned(session, user, chat.campaign_id)
        campaign_service.require_draft(campaign, action="chat")
        chat = await ChatSessionRepository(session).get_fresh(chat.id) or chat  # row lock
        append_message(chat, "user", data.message)
        await session.flush()
        inputs = TurnInputs(
            data.message, data.sampleLeads, data.sequenceContext, data.availableVarNames
        )
        return await run_service.start_run(
            session,
            user=user,
            kind=TURN_RUN_KIND,
            settings=settings,
            campaign_id=campaign.id,
            session_id=chat.id,
            node_id=chat.node_id,
            params=inputs.to_params(),
            claim=CHAT_PROCESSING,
        )

    async def _sync_turn(
        self, session: AsyncSession, claim: _Claim, inputs: TurnInputs, *, settings: Settings
    ) -> GenerateContentResponse:
        chat = await ChatSessionRepository(session).get_fresh(claim.session_id)
        if chat is None:
            raise NotFound("Chat session not found")
        append_message(chat, "user", inputs.message)
        prepared = await prepare_turn(session, chat, inputs, settings=settings)
        await session.commit()  # the user's message is saved before the model is called
        output = await run_turn_model(prepared, resolve_run_model("chat", settings), settings)
        chat, updated = await persist_turn(session, claim.session_id, output, run_id=None)
        await run_service.release_session(session, chat_session_id=claim.session_id)
        await session.commit()
        claim.released = True
        return GenerateContentResponse(
            session_id=chat.id,
            assistant_message=output.assistant_message,
            skeleton=chat.skeleton,
            skeleton_updated=updated,
        )

    async def _release(
        self,
        session: AsyncSession,
        sessions: SessionMaker,
        claim: _Claim,
        *,
        error: dict[str, Any] | None,
    ) -> None:
        """Free the run-less claim (recording `error` as last_error), even when cancelled.

        The request's session is rolled back first (on SQLite an open transaction holds the
        write lock), then the release commits in a session of its own.
        """
        with anyio.CancelScope(shield=True):
            try:
                await session.rollback()
                async with unit_of_work(sessions) as own:
                    await run_service.release_session(
                        own, chat_session_id=claim.session_id, error=error
                    )
                claim.released = True
            except Exception:  # the claim lease and the sweep free it later
                log.exception("could not release chat session %s", claim.session_id)


turn_service = TurnService()
