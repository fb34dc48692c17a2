"""What every writer call of one generate-examples run shares, loaded once per chunk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.service import campaign_service
from coldcraft.config import Settings
from coldcraft.context.service import context_service
from coldcraft.examples.repository import ExampleSessionRepository
from coldcraft.lint.service import judge_context_from
from coldcraft.llm.framework_agent import SequenceContext
from coldcraft.llm.writer_agent import WriterInput
from coldcraft.senders.service import sender_service
from coldcraft.sequences.service import TOUCH_TYPES, sequence_service
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender, Skeleton
from coldcraft.store.models import Run, SequenceNode


class SessionGone(LookupError):
    """The chat session (or its campaign or owner) no longer exists."""


@dataclass(frozen=True)
class WriterBase:
    skeleton: Skeleton
    sender: Sender | None
    campaign: CampaignInfo
    campaign_name: str
    sequence: SequenceContext
    workspace_context: dict[str, Any] | None
    judge: JudgeContext

    def input_for(self, lead: Lead) -> WriterInput:
        return WriterInput(
            skeleton=self.skeleton,
            lead=lead,
            sender=self.sender,
            campaign=self.campaign,
            campaign_name=self.campaign_name,
            sequence=self.sequence,
            workspace_context=self.workspace_context,
            judge=self.judge,
        )


def sequence_from_nodes(nodes: list[SequenceNode], node_id: uuid.UUID) -> SequenceContext:
    """Where the session's node sits among the campaign's message nodes (delays and the
    end node do not count), and what the earlier ones say."""
    messages = [node for node in nodes if node.type in TOUCH_TYPES]
    position = next((i for i, node in enumerate(messages) if node.id == node_id), 0)
    prior = [
        {"type": node.type, "subject": node.subject or "", "body": node.body or ""}
        for node in messages[:position]
    ]
    return SequenceContext(position=position, total_nodes=max(1, len(messages)), prior_nodes=prior)


def sequence_from_params(data: dict[str, Any]) -> SequenceContext:
    return SequenceContext(
        position=int(data.get("position", 0)),
        total_nodes=int(data.get("total_nodes", 1)),
        prior_nodes=list(data.get("prior_nodes") or []),
    )


async def load_writer_base(session: AsyncSession, run: Run, settings: Settings) -> WriterBase:
    repo = ExampleSessionRepository(session)
    chat = await repo.get(run.session_id) if run.session_id else None
    user = await repo.owner(run.user_id)
    if chat is None or user is None or not chat.skeleton:
        raise SessionGone("The chat session or its framework is gone")
    campaign = await campaign_service.get_owned(session, user, chat.campaign_id)
    context = await context_service.get_context(session, user)
    given = run.params.get("sequence_context")
    if given is not None:
        sequence = sequence_from_params(given)
    else:
        nodes = await sequence_service.list_nodes(session, campaign.id)
        sequence = sequence_from_nodes(nodes, chat.node_id)
    return WriterBase(
        skeleton=Skeleton.model_validate(chat.skeleton),
        sender=await sender_service.campaign_sender(session, campaign),
        campaign=CampaignInfo(signature=campaign.signature),
        campaign_name=campaign.name,
        sequence=sequence,
        workspace_context=context,
        judge=judge_context_from(settings, context, sequence_position=sequence.position),
    )
