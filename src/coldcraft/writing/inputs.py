"""The per-lead writer's inputs, loaded in ONE place for sample emails and campaign drafts.

Examples (a chat's sample leads) and the outbox (every prospect of a campaign) write the
same email for the same lead: the same skeleton, sender, signature, workspace context,
judge (thresholds and house rules at the node's position) and sequence position, and the
earlier touches as this lead received them. So both load a `WriterContext` here (once per
chunk) and build each lead's `WriterInput` with `WriterContext.request`; a test holds the
two model requests byte-identical.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import account_service
from coldcraft.campaigns.access import get_owned
from coldcraft.config import Settings
from coldcraft.context.judge import judge_context
from coldcraft.context.service import context_service
from coldcraft.llm.context import SequenceContext
from coldcraft.llm.sources import CitedFact
from coldcraft.llm.writer_agent import WriterInput
from coldcraft.senders.service import sender_service
from coldcraft.sequences.position import Touches
from coldcraft.sequences.service import SENDABLE_TYPES, sequence_service
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender, Skeleton
from coldcraft.skeletons.template import CompiledTemplate, MergeValues, compile_template
from coldcraft.store.models import SequenceNode

# What a lead received at an earlier node: (subject, body text), from its stored message.
Received = tuple[str | None, str]


class WriterTargetGone(LookupError):
    """The account, campaign or node the writer was asked to write for no longer exists."""


@dataclass(frozen=True)
class GivenSequence:
    """A client's explicit sequence context (generate-examples' `sequenceContext`): what it
    gives replaces the computed position, total and earlier touches (numbers held to the
    real sequence, see `Touches.held_to`)."""

    position: int | None
    total_nodes: int | None
    prior_nodes: list[dict[str, Any]] | None


@dataclass(frozen=True)
class EarlierTouch:
    """A message node before the one being written, ready to render for any lead."""

    node_id: uuid.UUID
    type: str
    subject: CompiledTemplate | None  # template email nodes only
    body: CompiledTemplate | None  # template nodes only (an AI node's text is per lead)

    @classmethod
    def of(cls, node: SequenceNode) -> EarlierTouch:
        if node.type not in SENDABLE_TYPES:
            return cls(node.id, node.type, None, None)
        subject = compile_template(node.subject or "") if node.type == "email" else None
        return cls(node.id, node.type, subject, compile_template(node.body or ""))

    def as_received(self, values: MergeValues, received: Received | None) -> dict[str, Any]:
        """This touch as the lead got it: its stored message, else the template rendered for
        the lead, else (an AI touch not written yet) just its type."""
        if received is not None and received[1]:
            return {"type": self.type, "subject": received[0] or "", "body": received[1]}
        if self.body is None:
            return {"type": self.type, "subject": "", "body": ""}
        subject = self.subject.render(values).text if self.subject is not None else ""
        return {"type": self.type, "subject": subject, "body": self.body.render(values).text}


@dataclass(frozen=True)
class WriterContext:
    """What every writer call for one skeleton at one node of a campaign shares."""

    skeleton: Skeleton
    sender: Sender | None
    campaign: CampaignInfo
    campaign_name: str
    workspace_context: dict[str, Any] | None
    judge: JudgeContext
    position: int
    total_nodes: int
    earlier: tuple[EarlierTouch, ...]
    given_prior: list[dict[str, Any]] | None = None
    research: bool = False  # the campaign researches its prospects' companies

    def request(
        self,
        lead: Lead,
        received: Mapping[uuid.UUID, Received] | None = None,
        *,
        reviewer_note: str | None = None,
        facts: tuple[CitedFact, ...] = (),
    ) -> WriterInput:
        """The writer's input for one lead; `received`: its stored earlier messages;
        `reviewer_note`: a person's instruction when a draft is regenerated; `facts`: what
        research found on the company's own pages, which the email may state and cite (the
        lead's fields and the workspace context ground the writer's claims too, see
        `ungrounded_claim`)."""
        return WriterInput(
            skeleton=self.skeleton,
            lead=lead,
            sender=self.sender,
            campaign=self.campaign,
            campaign_name=self.campaign_name,
            sequence=SequenceContext(self.position, self.total_nodes, self.prior(lead, received)),
            workspace_context=self.workspace_context,
            judge=self.judge,
            reviewer_note=reviewer_note,
            facts=facts,
        )

    def prior(
        self, lead: Lead, received: Mapping[uuid.UUID, Received] | None
    ) -> list[dict[str, Any]]:
        if self.given_prior is not None:
            return self.given_prior
        values = MergeValues(lead, self.sender, self.campaign)
        found = received or {}
        return [touch.as_received(values, found.get(touch.node_id)) for touch in self.earlier]


async def load_writer_context(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    skeleton: Skeleton,
    settings: Settings,
    given: GivenSequence | None = None,
) -> WriterContext:
    """Everything but the lead, read in the caller's (short, read-only) transaction."""
    owner = await account_service.get_user(session, user_id)
    if owner is None:
        raise WriterTargetGone("The account is gone")
    campaign = await get_owned(session, owner, campaign_id)
    touches = Touches.of(await sequence_service.list_nodes(session, campaign.id))
    index = touches.position(node_id)
    if index is None:
        raise WriterTargetGone("The AI node is gone")
    total = touches.total
    position = index
    if given is not None:
        position, total = touches.held_to(given.position, given.total_nodes, default_position=index)
    workspace = await context_service.get_context(session, owner)
    return WriterContext(
        skeleton=skeleton,
        sender=await sender_service.campaign_sender(session, campaign),
        campaign=CampaignInfo(signature=campaign.signature),
        campaign_name=campaign.name,
        workspace_context=workspace,
        judge=judge_context(settings, workspace, sequence_position=position),
        position=position,
        total_nodes=total,
        earlier=tuple(EarlierTouch.of(node) for node in touches.before(index)),
        given_prior=given.prior_nodes if given is not None else None,  # None: computed
        research=campaign.research,
    )
