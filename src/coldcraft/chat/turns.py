"""A framework chat turn: synchronous (generate-content) or as a run (/turn).

Both go through the same pieces: `prepare_turn` (chat/turn_context.py) builds what the
agent is told, `run_turn_model` calls the model with NO database transaction open,
`persist_turn` writes the reply and any accepted skeleton in one short transaction.

The synchronous turn opens its own units of work (design.md: never hold a transaction
across an LLM call): the claim, the user's message, then the reply with the release, each
committed on its own; its endpoint authenticates outside any request transaction. Its
run-less claim is released on every path, also when the request is cancelled (a shielded
release in a unit of work of its own).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import anyio
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned, require_draft
from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.chat.schemas import GenerateContentRequest, GenerateContentResponse, TurnRequest
from coldcraft.chat.service import accept_skeleton, append_message, chat_service
from coldcraft.chat.turn_context import PreparedTurn, TurnInputs, prepare_turn
from coldcraft.config import Settings
from coldcraft.errors import Conflict, NotFound, UpstreamError
from coldcraft.llm.errors import LLMError
from coldcraft.llm.framework_agent import TurnLimits, TurnResult, run_framework_turn
from coldcraft.llm.models import ResolvedModel, model_for
from coldcraft.llm.search import web_search_from_settings
from coldcraft.llm.usage import Usage
from coldcraft.runs.claims import chat_claims
from coldcraft.runs.kinds import ErrorInfo, RunQueue
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.skeletons.schema import Skeleton
from coldcraft.store.models import AIChatSession, User
from coldcraft.store.session import SessionMaker, unit_of_work

log = logging.getLogger("coldcraft.chat")

CHAT_PROCESSING = "chat_processing"
TURN_RUN_KIND = "framework-chat-turn"
LOST_CLAIM = (
    "The chat turn lost its hold on the session (it outlived the claim lease); "
    "its reply was not saved"
)


class TurnOutput(BaseModel):
    """A model turn as data (a run stores it as its item's result and the write step
    persists it)."""

    assistant_message: str
    skeleton: Skeleton | None  # the skeleton accepted in THIS turn
    history_json: str
    model_name: str
    usage: Usage

    @classmethod
    def from_result(cls, result: TurnResult) -> TurnOutput:
        return cls(
            assistant_message=result.assistant_message,
            skeleton=result.skeleton,
            history_json=result.history_json,
            model_name=result.model_name,
            usage=result.usage,
        )


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
    session: AsyncSession, chat_id: uuid.UUID, output: TurnOutput, *, run_id: str | None
) -> tuple[AIChatSession, bool]:
    """Append the reply and adopt the accepted skeleton, if the turn still holds the claim.
    Returns the session and whether its skeleton changed."""
    chat = await ChatSessionRepository(session).get_fresh(chat_id)
    if chat is None:
        raise NotFound("Chat session not found")
    if chat.task_status != CHAT_PROCESSING or chat.task_run_id != run_id:
        raise Conflict(LOST_CLAIM)
    append_message(chat, "assistant", output.assistant_message)
    updated = False
    if output.skeleton is not None:
        updated = accept_skeleton(chat, output.skeleton)
    chat.agent_history = output.history_json
    chat.last_error = None
    await session.flush()
    return chat, updated


@dataclass
class _Claim:
    chat_id: uuid.UUID
    released: bool = False


class TurnService:
    async def generate_content(
        self,
        user: User,
        campaign_id: uuid.UUID,
        data: GenerateContentRequest,
        *,
        sessions: SessionMaker,
        settings: Settings,
    ) -> GenerateContentResponse:
        """One synchronous turn: checks and claim (commit), user message (commit), model call
        (no transaction), reply + release (commit). 409 when busy, 502 on provider failure."""
        async with unit_of_work(sessions) as session:
            chat, _ = await chat_service.open_for_node(session, user, campaign_id, data.node_id)
            await chat_claims.claim(
                session,
                chat_id=chat.id,
                task_status=CHAT_PROCESSING,
                lease_seconds=settings.claim_lease_seconds,
            )
        claim = _Claim(chat.id)
        inputs = TurnInputs(
            message=data.message,
            sample_leads=data.sample_leads,
            sequence_context=data.sequence_context,
        )
        try:
            return await self._sync_turn(sessions, claim, inputs, settings=settings)
        except LLMError as exc:
            await self._release(sessions, claim, error=ErrorInfo.of(exc.as_dict()))
            raise UpstreamError(exc.message) from exc
        finally:
            if not claim.released:
                await self._release(sessions, claim, error=None)

    async def start_turn(
        self,
        session: AsyncSession,
        queue: RunQueue,
        user: User,
        chat_id: uuid.UUID,
        data: TurnRequest,
        *,
        settings: Settings,
    ) -> StartedRun:
        """The asynchronous turn: the user message, the claim, the run and its enqueue are
        one unit (a busy session rolls the message back)."""
        chat = await chat_service.get_chat(session, user, chat_id, fresh=True)
        campaign = await get_owned(session, user, chat.campaign_id)
        require_draft(campaign, action="chat")
        chat = await ChatSessionRepository(session).get_fresh(chat.id) or chat  # row lock
        append_message(chat, "user", data.message)
        await session.flush()
        inputs = TurnInputs(
            message=data.message,
            sample_leads=data.sample_leads,
            sequence_context=data.sequence_context,
            available_var_names=data.available_var_names,
        )
        return await run_service.start_run(
            session,
            queue,
            user=user,
            kind=TURN_RUN_KIND,
            params=inputs,
            settings=settings,
            campaign_id=campaign.id,
            chat_id=chat.id,
            node_id=chat.node_id,
            claim=CHAT_PROCESSING,
        )

    async def _sync_turn(
        self, sessions: SessionMaker, claim: _Claim, inputs: TurnInputs, *, settings: Settings
    ) -> GenerateContentResponse:
        async with unit_of_work(sessions) as session:  # the user's message, before the model
            chat = await ChatSessionRepository(session).get_fresh(claim.chat_id)
            if chat is None:
                raise NotFound("Chat session not found")
            append_message(chat, "user", inputs.message)
            prepared = await prepare_turn(session, chat, inputs, settings=settings)
        output = await run_turn_model(prepared, model_for("chat", settings), settings)
        async with unit_of_work(sessions) as session:
            chat, updated = await persist_turn(session, claim.chat_id, output, run_id=None)
            await chat_claims.release(session, chat_id=claim.chat_id)
            response = GenerateContentResponse(
                session_id=chat.id,
                assistant_message=output.assistant_message,
                skeleton=chat.skeleton,
                skeleton_updated=updated,
                model=output.model_name,
            )
        claim.released = True
        return response

    async def _release(
        self, sessions: SessionMaker, claim: _Claim, *, error: ErrorInfo | None
    ) -> None:
        """Free the run-less claim (recording `error` as last_error), even when cancelled."""
        with anyio.CancelScope(shield=True):
            try:
                async with unit_of_work(sessions) as session:
                    await chat_claims.release(session, chat_id=claim.chat_id, error=error)
                claim.released = True
            except Exception:  # the claim lease and the sweep free it later
                log.exception("could not release chat session %s", claim.chat_id)


turn_service = TurnService()
