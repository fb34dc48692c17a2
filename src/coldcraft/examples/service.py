"""generate-examples: check the session, claim it, record the run and enqueue it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned, require_draft
from coldcraft.chat.service import chat_service
from coldcraft.config import Settings
from coldcraft.errors import InvalidRequest, NoFramework, NotFound
from coldcraft.examples.leads import duplicate_errors, lead_id, lead_object
from coldcraft.examples.schemas import GenerateExamplesRequest
from coldcraft.examples.tasks import ExamplesParams, GenerateExamples
from coldcraft.runs.kinds import RunQueue
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.skeletons.schema import Lead
from coldcraft.store.models import AIChatSession, User

SESSION_NOT_FOUND = "Session not found"
CLAIM = "generating_examples"


class ExamplesService:
    async def generate(
        self,
        session: AsyncSession,
        queue: RunQueue,
        user: User,
        chat_id: uuid.UUID,
        body: GenerateExamplesRequest,
        *,
        settings: Settings,
        campaign_id: uuid.UUID | None = None,
    ) -> StartedRun:
        """Order of checks: leads distinct -> session owned (and in `campaign_id` when given)
        -> campaign draft -> skeleton present -> claim -> run recorded and enqueued."""
        ids = [lead_id(lead) for lead in body.leads]
        self._check_distinct(ids)
        chat = await self._owned_chat(session, user, chat_id, campaign_id)
        campaign = await get_owned(session, user, chat.campaign_id)
        require_draft(campaign, action="generate examples")
        if not chat.skeleton:
            raise NoFramework()
        replace = body.is_first_batch
        if replace is None:
            replace = not chat.generated_examples
        params = ExamplesParams(
            leads=[Lead.model_validate(lead_object(lead)) for lead in body.leads],
            lead_ids=ids,
            replace=replace,
            sequence_context=body.sequence_context,
        )
        return await run_service.start_run(
            session,
            queue,
            user=user,
            kind=GenerateExamples.name,
            params=params,
            settings=settings,
            campaign_id=chat.campaign_id,
            chat_id=chat.id,
            node_id=chat.node_id,
            claim=CLAIM,
        )

    def _check_distinct(self, ids: list[str]) -> None:
        details = duplicate_errors(ids)
        if details:
            first = details[0]
            raise InvalidRequest(f"{first['field']}: {first['message']}", details=details)

    async def _owned_chat(
        self,
        session: AsyncSession,
        user: User,
        chat_id: uuid.UUID,
        campaign_id: uuid.UUID | None,
    ) -> AIChatSession:
        chat = await chat_service.find_owned(session, user, chat_id)
        if chat is None or (campaign_id is not None and chat.campaign_id != campaign_id):
            raise NotFound(SESSION_NOT_FOUND)
        return chat


examples_service = ExamplesService()
