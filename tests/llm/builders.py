"""Builders for LLM-layer tests: contexts, writer inputs, skeletons."""

from __future__ import annotations

from typing import Any

from coldcraft.llm.context import read_section
from coldcraft.llm.framework_agent import (
    FrameworkContext,
    SequenceContext,
    TurnLimits,
    render_context,
)
from coldcraft.llm.offline.draft import Recipe
from coldcraft.llm.offline.framework import skeleton_args
from coldcraft.llm.writer_agent import WriterInput
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender, Skeleton

SENDER = Sender(first_name="Sid", last_name="Ray", email="sid@flowly.example")
WORKSPACE = {"company_name": "Flowly", "product": "invoice automation for finance teams"}
LEADS = [
    Lead(id="l1", first_name="Sarah", company="Acme", position="Head of Operations"),
    Lead(id="l2", first_name="Tom", last_name="Fox", company="Initech", position="COO"),
]


def framework_context(
    *,
    position: int = 0,
    leads: list[Lead] | None = None,
    current: Skeleton | None = None,
    workspace: dict[str, Any] | None = None,
    prior: list[dict[str, Any]] | None = None,
) -> FrameworkContext:
    return FrameworkContext(
        workspace_context=WORKSPACE if workspace is None else workspace,
        campaign_name="Q3 outbound",
        campaign_type="email",
        node_purpose=None,
        output_type="email",
        sequence=SequenceContext(position=position, total_nodes=3, prior_nodes=prior or []),
        sample_leads=LEADS if leads is None else leads,
        available_var_names=["first_name", "company", "position"],
        current_skeleton=current,
        judge=JudgeContext(sequence_position=position),
        sender=SENDER,
    )


def writer_input(skeleton: Skeleton, lead: Lead, *, position: int = 0) -> WriterInput:
    return WriterInput(
        skeleton=skeleton,
        lead=lead,
        sender=SENDER,
        campaign=CampaignInfo(signature=None),
        campaign_name="Q3 outbound",
        sequence=SequenceContext(position=position, total_nodes=3),
        workspace_context=WORKSPACE,
        judge=JudgeContext(sequence_position=position),
    )


LIMITS = TurnLimits(request_limit=12, total_tokens_limit=200_000, cost_limit_usd=1.0)


def context_dict(fc: FrameworkContext) -> dict[str, Any]:
    """The `<context>` data the framework agent sends for `fc`."""
    data: dict[str, Any] = read_section(render_context(fc), "context")
    return data


def good_skeleton_args(*, position: int = 0, topic: str = "invoice automation") -> dict[str, Any]:
    """`updateSkeleton` arguments that pass the judge (composed by the offline recipe)."""
    fc = framework_context(position=position)
    return skeleton_args(Recipe(topic=topic, follow_up=position > 0), context_dict(fc))


def good_skeleton(*, position: int = 0) -> Skeleton:
    return Skeleton.model_validate(good_skeleton_args(position=position))
