"""generate_ai: the checks and the start of a `generate-ai-messages` run (see tasks.py).

Order: campaign owned (404) -> draft (400 wrong_status) -> the node is this campaign's AI
node (404 / 400) -> its chat session has a skeleton (400 no_framework) -> no other
generate-ai-messages run queued or running for the campaign + node (409 conflict) ->
explicit prospect_ids all belong to the campaign (400) -> the spend cap (402
payment_required) -> the run. Nothing is written before the last step.

The chat session is not claimed (its `task_status` stays free: the user may keep chatting
while 10,000 drafts are written); the run snapshots the skeleton it was started with, and
the run row carries the session id, so deleting the session cancels the run.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned, require_draft
from coldcraft.chat.service import chat_service
from coldcraft.config import Settings
from coldcraft.errors import Conflict, InvalidRequest, NoFramework
from coldcraft.messages.repository import MessageRepository, Selection
from coldcraft.messages.review_service import require_reviewable
from coldcraft.messages.schemas import GenerateAIRequest, RegenerateRequest
from coldcraft.messages.spend import spend_service
from coldcraft.messages.tasks import GenerateAIMessages, GenerateAIParams, ids_to_write
from coldcraft.prospects.service import prospect_service
from coldcraft.runs.kinds import RunQueue
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.sequences.service import sequence_service
from coldcraft.skeletons.schema import Skeleton
from coldcraft.store.models import AIChatSession, Campaign, SequenceNode, User


class GenerateAIService:
    async def start(
        self,
        session: AsyncSession,
        queue: RunQueue,
        user: User,
        campaign_id: uuid.UUID,
        data: GenerateAIRequest,
        *,
        settings: Settings,
    ) -> tuple[StartedRun, int]:
        """Checks (campaign owned, draft, AI node, framework, no run in progress, spend
        cap) before anything is written; then the run. Returns it with its prospect count."""
        campaign, node, chat = await self._target(session, user, campaign_id, data.node_id)
        await self._refuse_concurrent(session, campaign, node)
        only = await self._explicit_ids(session, campaign, data.prospect_ids)
        count = await self._count_to_write(session, campaign, node, only)
        params = GenerateAIParams(
            prospect_ids=only,
            skeleton=Skeleton.model_validate(chat.skeleton),
            framework_version=chat.framework_version,
        )
        return await self._start(session, queue, user, campaign, chat, params, count, settings)

    async def regenerate(
        self,
        session: AsyncSession,
        queue: RunQueue,
        user: User,
        campaign_id: uuid.UUID,
        data: RegenerateRequest,
        *,
        settings: Settings,
    ) -> tuple[StartedRun, int]:
        """Rewrite the chosen AI drafts of one node (draft or paused campaign), with the
        reviewer's note for the writer; a run, answered like generate_ai."""
        campaign = await get_owned(session, user, campaign_id, for_update=True)
        require_reviewable(campaign, action="regenerate messages")
        selection = Selection(data.message_ids, data.filter)
        node, prospects = await self.regeneration(
            session, campaign, selection, include_edited=data.include_edited
        )
        chat = await chat_service.for_node(session, campaign.id, node.id)
        if chat is None or not chat.skeleton:
            raise NoFramework()
        await self._refuse_concurrent(session, campaign, node)
        params = GenerateAIParams(
            prospect_ids=prospects,
            skeleton=Skeleton.model_validate(chat.skeleton),
            framework_version=chat.framework_version,
            instruction=data.instruction,
            regenerate=True,
            replace_edited=data.include_edited,
        )
        count = len(prospects)
        return await self._start(session, queue, user, campaign, chat, params, count, settings)

    async def regeneration(
        self,
        session: AsyncSession,
        campaign: Campaign,
        selection: Selection,
        *,
        include_edited: bool,
    ) -> tuple[SequenceNode, list[uuid.UUID]]:
        """The AI node and the prospects a regenerate of `selection` rewrites (400 when it
        selects no AI draft, or drafts of several AI nodes)."""
        nodes = await sequence_service.list_nodes(session, campaign.id)
        ai_nodes = {n.id: n for n in nodes if n.type == "ai"}
        chosen = await MessageRepository(session).targets(campaign.id, selection, list(ai_nodes))
        targets = [t for t in chosen if include_edited or not t[2]]
        if not targets:
            skipped = " (hand-edited drafts are kept unless include_edited)" if chosen else ""
            raise InvalidRequest(f"Nothing to regenerate: no unsent AI draft selected{skipped}")
        node_ids = {node_id for node_id, _, _ in targets}
        if len(node_ids) > 1:
            raise InvalidRequest("Regenerate one AI node at a time: add node_id to the filter")
        prospects = list(dict.fromkeys(prospect_id for _, prospect_id, _ in targets))
        return ai_nodes[node_ids.pop()], prospects

    async def count_to_write(
        self, session: AsyncSession, campaign: Campaign, node: SequenceNode
    ) -> int:
        """How many prospects a generate_ai run of the node would write now."""
        return await self._count_to_write(session, campaign, node, None)

    async def _refuse_concurrent(
        self, session: AsyncSession, campaign: Campaign, node: SequenceNode
    ) -> None:
        running = await run_service.active_run_id(
            session, GenerateAIMessages.name, campaign.id, node.id
        )
        if running is not None:
            raise Conflict(f"A generate_ai run is already in progress for this node ({running})")

    async def _start(
        self,
        session: AsyncSession,
        queue: RunQueue,
        user: User,
        campaign: Campaign,
        chat: AIChatSession,
        params: GenerateAIParams,
        count: int,
        settings: Settings,
    ) -> tuple[StartedRun, int]:
        """The spend cap (research included when the campaign researches), then the run on
        the chat's node (LAST: every check that can fail came first)."""
        await spend_service.check(
            session, user, prospects=count, settings=settings, research=campaign.research
        )
        started = await run_service.start_run(
            session,
            queue,
            user=user,
            kind=GenerateAIMessages.name,
            params=params,
            settings=settings,
            campaign_id=chat.campaign_id,
            chat_id=chat.id,
            node_id=chat.node_id,
        )
        return started, count

    async def _target(
        self, session: AsyncSession, user: User, campaign_id: uuid.UUID, node_id: uuid.UUID
    ) -> tuple[Campaign, SequenceNode, AIChatSession]:
        """The draft campaign (locked: concurrent starts queue up behind the 409 check),
        its AI node, and the node's session with a skeleton."""
        campaign = await get_owned(session, user, campaign_id, for_update=True)
        require_draft(campaign, action="generate messages")
        node = await sequence_service.get_node(session, campaign.id, node_id)
        if node.type != "ai":
            raise InvalidRequest(
                f"Sequence node {node.id} is a {node.type} node: generate_ai needs an ai node"
            )
        chat = await chat_service.for_node(session, campaign.id, node.id)
        if chat is None or not chat.skeleton:
            raise NoFramework()
        return campaign, node, chat

    async def _explicit_ids(
        self, session: AsyncSession, campaign: Campaign, ids: list[uuid.UUID] | None
    ) -> list[uuid.UUID] | None:
        """The requested prospects (deduplicated, in order); 400 naming any unknown id."""
        if ids is None:
            return None
        unique = list(dict.fromkeys(ids))
        found: set[uuid.UUID] = set()
        async for batch in prospect_service.iter_ids(session, campaign.id, prospect_ids=unique):
            found.update(batch)
        unknown = [str(i) for i in unique if i not in found]
        if unknown:
            listed = ", ".join(unknown[:5]) + (", ..." if len(unknown) > 5 else "")
            details = [
                {"field": "prospect_ids", "message": f"not a prospect of this campaign: {i}"}
                for i in unknown[:50]
            ]
            raise InvalidRequest(
                f"Unknown prospect_ids ({len(unknown)}): {listed}", details=details
            )
        return unique

    async def _count_to_write(
        self,
        session: AsyncSession,
        campaign: Campaign,
        node: SequenceNode,
        only: list[uuid.UUID] | None,
    ) -> int:
        if only is not None:
            return len(only)
        count = 0
        async for batch in ids_to_write(session, campaign.id, node.id, only=None):
            count += len(batch)
        return count


generate_ai_service = GenerateAIService()
