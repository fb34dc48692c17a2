"""The outbox: per-prospect drafts for every sendable node of a campaign.

`resolve` renders the template nodes and copies the AI node's generated examples; it
streams prospects in batches and upserts each batch in a few statements, one short
transaction per batch, so 10,000 prospects x 5 nodes stay one request that never holds
SQLite's write lock for more than a batch. `generate_ai` (see `tasks.py`) writes one AI draft
per prospect in a run. For launch it offers a check (`launch_problems`: AI nodes have a
skeleton, every prospect has a message for every sendable node; launch resolves first) and a
step (`move_to_pending`: drafts -> pending), both called by `campaigns.launch`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned, require_draft
from coldcraft.campaigns.schemas import LaunchProblem
from coldcraft.chat.service import chat_service
from coldcraft.messages import export
from coldcraft.messages.repository import MessageRepository
from coldcraft.messages.resolve import (
    ExampleMatcher,
    RenderContext,
    ResolvePlan,
    TemplateNode,
    uuid_lead_ids,
)
from coldcraft.messages.schemas import PAGE_MAX, MessageFilter
from coldcraft.prospects.repository import Key
from coldcraft.prospects.service import prospect_service
from coldcraft.senders.service import sender_service
from coldcraft.sequences.service import SENDABLE_TYPES, sequence_service
from coldcraft.skeletons.schema import CampaignInfo
from coldcraft.store.models import Campaign, CampaignProspectMessage, SequenceNode, User
from coldcraft.store.session import SessionMaker, reading, unit_of_work

BATCH = 200  # prospects per read + upsert round trip (and per transaction)
ANALYZE_AFTER = 5000  # drafts written by one resolve that call for fresh planner statistics


@dataclass
class NodeCount:
    node: SequenceNode
    messages: int
    missing: int


@dataclass
class ResolveOutcome:
    prospects: int = 0
    written: int = 0
    rendered: int = 0
    nodes: list[NodeCount] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ResolveResult:
    outcome: ResolveOutcome
    messages: list[CampaignProspectMessage]
    total: int


class MessageService:
    # ---- resolve ----------------------------------------------------------------------

    async def resolve(
        self, sessions: SessionMaker, user: User, campaign_id: uuid.UUID
    ) -> ResolveResult:
        """Resolve in chunks (see `resolve_in_chunks`), then the first page of drafts."""
        outcome = await self.resolve_in_chunks(sessions, user, campaign_id)
        async with reading(sessions) as session:
            campaign = await get_owned(session, user, campaign_id)
            nodes = await sequence_service.list_nodes(session, campaign.id)
            outcome.nodes = await self._node_counts(session, campaign, nodes, outcome.prospects)
            repo = MessageRepository(session)
            drafts = MessageFilter(status="draft")
            first = await repo.page(campaign.id, drafts, offset=0, limit=PAGE_MAX)
            total = await repo.count(campaign.id, drafts)
        return ResolveResult(outcome=outcome, messages=first, total=total)

    async def resolve_in_chunks(
        self,
        sessions: SessionMaker,
        user: User,
        campaign_id: uuid.UUID,
        *,
        action: str = "generate messages",
    ) -> ResolveOutcome:
        """Render/copy every draft of a draft campaign, BATCH prospects per transaction.

        The plan (nodes, sender, examples) is read once, without a lock; each chunk then
        re-checks the campaign (still the caller's, still a draft) and upserts its drafts
        in a short write. On the embedded SQLite database a 10,000-prospect resolve thus
        never holds the write lock for more than one chunk, and a resolve cut short (a
        crash, a launch between chunks) is finished by running it again: each chunk's
        upsert is idempotent."""
        async with reading(sessions) as session:
            campaign = await get_owned(session, user, campaign_id)
            require_draft(campaign, action=action)
            plan = await self._plan(session, campaign)
        outcome = ResolveOutcome()
        after: Key | None = None
        while True:
            async with unit_of_work(sessions) as session:
                campaign = await get_owned(session, user, campaign_id, for_update=True)
                require_draft(campaign, action=action)
                ids, after = await prospect_service.id_page(
                    session, campaign.id, after=after, limit=BATCH
                )
                await self._resolve_chunk(session, plan, ids, outcome)
            if after is None:
                break
        if outcome.written >= ANALYZE_AFTER:
            async with unit_of_work(sessions) as session:
                await MessageRepository(session).refresh_statistics()
        for _, matcher in plan.matchers.values():
            outcome.unmatched += matcher.unmatched()
            outcome.skipped += matcher.skipped()
        return outcome

    async def _resolve_chunk(
        self,
        session: AsyncSession,
        plan: ResolvePlan,
        ids: list[uuid.UUID],
        outcome: ResolveOutcome,
    ) -> None:
        prospects = await prospect_service.get_many(session, plan.campaign.id, ids)
        rendered, copied = plan.rows(prospects)
        repo = MessageRepository(session)
        outcome.prospects += len(prospects)
        outcome.rendered += len(rendered) + len(copied)
        outcome.written += await repo.upsert(rendered)
        outcome.written += await repo.upsert(copied, keep_ai=True)

    async def _plan(self, session: AsyncSession, campaign: Campaign) -> ResolvePlan:
        nodes = await sequence_service.list_nodes(session, campaign.id)
        sender = await sender_service.campaign_sender(session, campaign)
        ctx = RenderContext(sender=sender, campaign=CampaignInfo(signature=campaign.signature))
        matchers = {}
        for node in nodes:
            if node.type == "ai":
                matchers[node.id] = (node, await self._matcher(session, campaign, node))
        templates = [TemplateNode.compile(n) for n in nodes if n.type in SENDABLE_TYPES]
        return ResolvePlan(campaign=campaign, templates=templates, matchers=matchers, ctx=ctx)

    async def _matcher(
        self, session: AsyncSession, campaign: Campaign, node: SequenceNode
    ) -> ExampleMatcher:
        chat = await chat_service.for_node(session, campaign.id, node.id)
        examples = chat_service.examples_of(chat) if chat else []
        candidates = uuid_lead_ids(examples)
        bound = (
            await prospect_service.get_many(session, campaign.id, candidates) if candidates else []
        )
        return ExampleMatcher(examples, bound_ids={str(p.id) for p in bound})

    async def _node_counts(
        self, session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode], prospects: int
    ) -> list[NodeCount]:
        usable = await MessageRepository(session).usable_counts(campaign.id)
        return [
            NodeCount(
                node=n,
                messages=usable.get(n.id, 0),
                missing=max(prospects - usable.get(n.id, 0), 0),
            )
            for n in nodes
            if n.type in SENDABLE_TYPES or n.type == "ai"
        ]

    # ---- read and edit ----------------------------------------------------------------

    async def list_messages(
        self,
        session: AsyncSession,
        user: User,
        campaign_id: uuid.UUID,
        found: MessageFilter,
        *,
        page: int = 1,
        limit: int = PAGE_MAX,
    ) -> tuple[list[CampaignProspectMessage], int]:
        """A page of the messages the filter selects, and how many it selects in all."""
        campaign = await get_owned(session, user, campaign_id)
        repo = MessageRepository(session)
        items = await repo.page(campaign.id, found, offset=(page - 1) * limit, limit=limit)
        return items, await repo.count(campaign.id, found)

    async def export_csv(
        self,
        session: AsyncSession,
        sessions: SessionMaker,
        user: User,
        campaign_id: uuid.UUID,
        *,
        status: str,
        wide: bool = False,
    ) -> tuple[Campaign, AsyncIterator[bytes]]:
        """The campaign (404 before any byte is streamed) and its CSV as a byte stream that
        reads through `sessions` (the request's session is closed by then)."""
        campaign = await get_owned(session, user, campaign_id)
        nodes = await sequence_service.list_nodes(session, campaign.id)
        stream = export.stream_csv(sessions, campaign.id, nodes, status=status, wide=wide)
        return campaign, stream

    # ---- launch -----------------------------------------------------------------------

    async def launch_problems(
        self, session: AsyncSession, campaign: Campaign, nodes: list[SequenceNode]
    ) -> list[LaunchProblem]:
        """Every AI node has a skeleton and every prospect a message for every sendable
        node (AI drafts that failed count as missing). The caller resolved first
        (`resolve_in_chunks`)."""
        prospects = await prospect_service.count(session, campaign.id)
        problems = []
        for count in await self._node_counts(session, campaign, nodes, prospects):
            index = nodes.index(count.node)
            field_name = f"sequence_nodes[{index}]"
            if count.node.type == "ai" and not await self._has_framework(session, count.node):
                message = f"ai node {index}: no framework yet (chat first)"
                problems.append(LaunchProblem(field_name, message))
            elif count.missing and prospects:
                hint = " (run generate_ai)" if count.node.type == "ai" else ""
                message = f"{count.node.type} node {index}: {count.missing} prospect(s) have no message{hint}"  # noqa: E501
                problems.append(LaunchProblem(field_name, message))
        return problems

    async def _has_framework(self, session: AsyncSession, node: SequenceNode) -> bool:
        chat = await chat_service.for_node(session, node.campaign_id, node.id)
        return chat is not None and bool(chat.skeleton)

    async def move_to_pending(self, session: AsyncSession, campaign: Campaign) -> None:
        await MessageRepository(session).drafts_to_pending(campaign.id)


message_service = MessageService()
