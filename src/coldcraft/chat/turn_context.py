"""What the framework agent is told for one turn, built in ONE place for the synchronous
generate-content and the asynchronous /turn run: workspace context, campaign and node,
the node's place in the sequence, sample leads, variable names, the current skeleton, the
judge's context (thresholds from settings + the workspace's `house_rules`) and the sender.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import account_service
from coldcraft.campaigns.access import get_owned
from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.config import Settings
from coldcraft.context.judge import judge_context as account_judge_context
from coldcraft.context.service import context_service
from coldcraft.errors import NotFound
from coldcraft.llm.context import SequenceContext
from coldcraft.llm.framework_agent import FrameworkContext
from coldcraft.prospects.service import prospect_service
from coldcraft.senders.service import sender_service
from coldcraft.sequences.position import Touches
from coldcraft.sequences.service import find_node, sequence_service
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import LEAD_FIELDS, SENDER_FIELDS, Lead, Skeleton
from coldcraft.skeletons.template import CUSTOM_PREFIX, is_known_field
from coldcraft.store.models import AIChatSession, Campaign, User

AUTO_SAMPLE_SIZE = 5


class TurnInputs(BaseModel):
    """What a client sends with a turn (both endpoints), minus the session identity; also
    the /turn run's params (it rebuilds the turn from them)."""

    model_config = ConfigDict(frozen=True)

    message: str
    sample_leads: list[Lead] | None = None
    # Loose by contract: the client's keys (`position`, `total_nodes`/`totalNodes`,
    # `prior_nodes`/`priorNodes`) override the computed ones where they are valid.
    sequence_context: dict[str, Any] | None = None
    available_var_names: list[str] | None = None


@dataclass(frozen=True)
class PreparedTurn:
    """Everything the model call needs; built in a short read-only transaction."""

    chat_id: uuid.UUID
    message: str
    context: FrameworkContext
    history_json: str | None


async def prepare_turn(
    session: AsyncSession, chat: AIChatSession, inputs: TurnInputs, *, settings: Settings
) -> PreparedTurn:
    owner = await _owner(session, chat)
    campaign = await get_owned(session, owner, chat.campaign_id)
    nodes = await sequence_service.list_nodes(session, campaign.id)
    node = find_node(nodes, chat.node_id)
    workspace = await context_service.get_context(session, owner)
    leads = await _sample_leads(session, campaign, inputs.sample_leads)
    touches = Touches.of(nodes)
    prior = await _touch_contents(session, chat, touches)
    sequence = sequence_context(inputs.sequence_context, touches, prior, node.id)
    ai_node = node.ai_node or {}
    context = FrameworkContext(
        workspace_context=workspace,
        campaign_name=campaign.name,
        campaign_type=campaign.type,
        node_purpose=ai_node.get("purpose") or None,
        output_type=str(ai_node.get("output_type") or _default_output(campaign)),
        sequence=sequence,
        sample_leads=leads,
        available_var_names=available_var_names(leads, inputs.available_var_names),
        current_skeleton=current_skeleton(chat),
        judge=judge_context(settings, workspace, sequence.position, leads),
        sender=await sender_service.campaign_sender(session, campaign),
    )
    return PreparedTurn(chat.id, inputs.message, context, chat.agent_history)


async def judge_context_for(
    session: AsyncSession, chat: AIChatSession, campaign: Campaign, *, settings: Settings
) -> JudgeContext:
    """The judge's view of a session's node (for a skeleton a client PATCHes in)."""
    owner = await _owner(session, chat)
    workspace = await context_service.get_context(session, owner)
    touches = Touches.of(await sequence_service.list_nodes(session, campaign.id))
    return judge_context(settings, workspace, touches.position(chat.node_id) or 0, [])


def judge_context(
    settings: Settings, workspace: dict[str, Any] | None, position: int, leads: list[Lead]
) -> JudgeContext:
    sample = leads[0] if leads else None
    return account_judge_context(
        settings, workspace, sequence_position=position, sample_lead=sample
    )


def available_var_names(leads: list[Lead], requested: list[str] | None = None) -> list[str]:
    """The client's list when it sent one (names the judge would reject are dropped), else
    every lead field, the custom fields seen in the sample, and the sender fields."""
    if requested:
        known = [name for name in dict.fromkeys(requested) if is_known_field(name)]
        if known:
            return known
    custom = [f"{CUSTOM_PREFIX}{key}" for lead in leads for key in lead.custom_fields]
    names = [*LEAD_FIELDS, *custom, *SENDER_FIELDS]
    return [name for name in dict.fromkeys(names) if is_known_field(name)]


def sequence_context(
    given: dict[str, Any] | None,
    touches: Touches,
    contents: list[dict[str, Any]],
    node_id: uuid.UUID,
) -> SequenceContext:
    """The node's place among the touches (delay/end nodes don't count), with the prior
    touches' content; keys the client sent (`position`, `total_nodes`, `prior_nodes`) win."""
    index = touches.position(node_id) or 0
    computed = SequenceContext(
        position=index, total_nodes=touches.total, prior_nodes=contents[:index]
    )
    return _override(computed, given or {}, touches, index)


def current_skeleton(chat: AIChatSession) -> Skeleton | None:
    return None if chat.skeleton is None else Skeleton.model_validate(chat.skeleton)


def _override(
    computed: SequenceContext, given: dict[str, Any], touches: Touches, index: int
) -> SequenceContext:
    position, total = touches.held_to(
        _int(given.get("position")),
        _int(given.get("total_nodes", given.get("totalNodes"))),
        default_position=index,
    )
    prior = given.get("prior_nodes", given.get("priorNodes"))
    prior_nodes = (
        [p for p in prior if isinstance(p, dict)]
        if isinstance(prior, list)
        else computed.prior_nodes
    )
    return SequenceContext(position=position, total_nodes=total, prior_nodes=prior_nodes)


def _int(value: Any) -> int | None:
    """An integer the client sent (None: absent or not a number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


async def _touch_contents(
    session: AsyncSession, chat: AIChatSession, touches: Touches
) -> list[dict[str, Any]]:
    """What each touch says: a static node's subject/body, an AI node's current framework
    (its session's draft) so the agent avoids repeating earlier steps."""
    drafts = await ChatSessionRepository(session).drafts_for_campaign(
        chat.user_id, chat.campaign_id
    )
    contents = []
    for node in touches.nodes:
        subject, body = node.subject, node.body
        if node.type == "ai":
            subject, body = drafts.get(node.id, (None, None))
        contents.append({"type": node.type, "subject": subject, "body": body})
    return contents


async def _sample_leads(
    session: AsyncSession, campaign: Campaign, given: Sequence[Lead] | None
) -> list[Lead]:
    if given:
        return list(given)
    prospects = await prospect_service.sample(session, campaign.id, limit=AUTO_SAMPLE_SIZE)
    return [prospect_service.to_lead(p) for p in prospects]


async def _owner(session: AsyncSession, chat: AIChatSession) -> User:
    owner = await account_service.get_user(session, chat.user_id)
    if owner is None:
        raise NotFound("Chat session not found")
    return owner


def _default_output(campaign: Campaign) -> str:
    return "linkedin_message" if campaign.type == "linkedin" else "email"
