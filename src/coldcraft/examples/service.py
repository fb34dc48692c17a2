"""generate-examples: check the session, claim it, record the run and enqueue it."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.service import campaign_service
from coldcraft.config import Settings
from coldcraft.errors import InvalidRequest, NoFramework, NotFound
from coldcraft.examples.leads import duplicate_errors, lead_id, lead_object
from coldcraft.examples.repository import ExampleSessionRepository
from coldcraft.examples.schemas import GenerateExamplesRequest
from coldcraft.examples.tasks import KIND
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.store.models import AIChatSession, User

SESSION_NOT_FOUND = "Session not found"
CLAIM = "generating_examples"


class ExamplesService:
    async def generate(
        self,
        session: AsyncSession,
        user: User,
        session_id: uuid.UUID,
        body: GenerateExamplesRequest,
        *,
        settings: Settings,
        campaign_id: uuid.UUID | None = None,
    ) -> StartedRun:
        """Order of checks: leads distinct -> session owned (and in `campaign_id` when given)
        -> campaign draft -> skeleton present -> claim -> run recorded and enqueued."""
        ids = [lead_id(lead) for lead in body.leads]
        self._check_distinct(ids)
        chat = await self._owned_session(session, user, session_id, campaign_id)
        campaign = await campaign_service.get_owned(session, user, chat.campaign_id)
        campaign_service.require_draft(campaign, action="generate examples")
        if not chat.skeleton:
            raise NoFramework()
        replace = body.is_first_batch
        if replace is None:
            replace = not chat.generated_examples
        params = {
            "leads": [lead_object(lead) for lead in body.leads],
            "lead_ids": ids,
            "replace": replace,
            "sequence_context": body.sequence_params(),
        }
        return await run_service.start_run(
            session,
            user=user,
            kind=KIND,
            settings=settings,
            campaign_id=chat.campaign_id,
            session_id=chat.id,
            node_id=chat.node_id,
            params=params,
            claim=CLAIM,
        )

    def _check_distinct(self, ids: list[str]) -> None:
        details = duplicate_errors(ids)
        if details:
            first = details[0]
            raise InvalidRequest(f"{first['field']}: {first['message']}", details=details)

    async def _owned_session(
        self,
        session: AsyncSession,
        user: User,
        session_id: uuid.UUID,
        campaign_id: uuid.UUID | None,
    ) -> AIChatSession:
        chat = await ExampleSessionRepository(session).get_owned(user.id, session_id)
        if chat is None or (campaign_id is not None and chat.campaign_id != campaign_id):
            raise NotFound(SESSION_NOT_FOUND)
        return chat


examples_service = ExamplesService()
