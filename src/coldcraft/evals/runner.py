"""One configuration over the golden set: a skeleton per brief, then one draft per lead.

For each brief (in order: a follow-up after the brief it follows), the framework chat turns
the brief's messages into a skeleton with the chat model (or a skeleton given instead is
used), which the judge checks; then the writer writes every lead's email with the writer
model and the lead's company facts, at most `concurrency` at a time. Provider failures are
recorded on the draft (rule `llm_error`), never raised: a report covers the whole set.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from coldcraft.config import Settings
from coldcraft.context.judge import judge_context
from coldcraft.evals.golden import Brief, GoldenLead, GoldenSet
from coldcraft.evals.metrics import DraftRow, SkeletonRow, draft_row
from coldcraft.llm.context import SequenceContext
from coldcraft.llm.errors import LLMError
from coldcraft.llm.framework_agent import FrameworkContext, TurnLimits, run_framework_turn
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.usage import Usage
from coldcraft.llm.writer_agent import WriterInput, WrittenEmail, write_email
from coldcraft.skeletons.judge import JudgeContext, judge_skeleton
from coldcraft.skeletons.schema import LEAD_FIELDS, CampaignInfo, Issue, Skeleton

SAMPLE_LEADS = 2  # the framework chat sees the set's first leads as its sample leads
ALL_BRIEFS = "*"  # a skeleton given for every brief


@dataclass(frozen=True)
class EvalModels:
    chat: ResolvedModel
    writer: ResolvedModel


@dataclass
class EvalRun:
    """What one configuration produced: a skeleton row per brief, a draft row per lead."""

    skeletons: list[SkeletonRow] = field(default_factory=list)
    drafts: list[DraftRow] = field(default_factory=list)


@dataclass
class _BriefSkeleton:
    skeleton: Skeleton | None
    row: SkeletonRow


async def run_eval(
    golden: GoldenSet,
    models: EvalModels,
    settings: Settings,
    *,
    skeletons: Mapping[str, Skeleton] | None = None,
    concurrency: int = 8,
) -> EvalRun:
    """Run the set. `skeletons`: brief id (or `*` for all) -> a skeleton used instead of the
    framework chat's."""
    run = EvalRun()
    limit = asyncio.Semaphore(max(1, concurrency))
    written: dict[tuple[str, str], DraftRow] = {}
    for brief in golden.briefs:
        given = (skeletons or {}).get(brief.id) or (skeletons or {}).get(ALL_BRIEFS)
        judge = judge_context(settings, brief.workspace_context, sequence_position=brief.position)
        prior = _sample_prior(golden, brief, written)
        made = await _skeleton(golden, brief, models.chat, settings, judge, given, prior)
        run.skeletons.append(made.row)
        jobs = [
            _draft(brief, lead, made.skeleton, models.writer, judge, _earlier(brief, lead, written))
            for lead in golden.leads
        ]
        rows = await asyncio.gather(*(_limited(limit, job) for job in jobs))
        for row in rows:
            written[(row.brief, row.lead)] = row
        run.drafts.extend(rows)
    return run


async def _limited(limit: asyncio.Semaphore, job: Awaitable[DraftRow]) -> DraftRow:
    async with limit:
        return await job


# --- the skeleton ---------------------------------------------------------------------------


async def _skeleton(
    golden: GoldenSet,
    brief: Brief,
    chat: ResolvedModel,
    settings: Settings,
    judge: JudgeContext,
    given: Skeleton | None,
    prior: list[dict[str, Any]],
) -> _BriefSkeleton:
    if given is not None:
        issues = judge_skeleton(given, judge)
        row = SkeletonRow.of(brief.id, "given", given, issues, Usage(), 0.0, turns=0)
        return _BriefSkeleton(given, row)
    context = framework_context(golden, brief, judge, prior)
    limits = TurnLimits.from_settings(settings)
    usage, history, started = Usage(), None, time.perf_counter()
    try:
        for message in brief.messages:
            turn = await run_framework_turn(
                message, context, model=chat, history_json=history, limits=limits, search=None
            )
            usage.add(turn.usage)
            history = turn.history_json
            context.current_skeleton = turn.skeleton or context.current_skeleton
    except LLMError as exc:
        issue = Issue(rule="llm_error", message=f"{exc.code}: {exc}")
        row = SkeletonRow.of(brief.id, "framework_chat", None, [issue], usage, 0.0, turns=0)
        return _BriefSkeleton(None, row)
    latency = (time.perf_counter() - started) * 1000
    skeleton = context.current_skeleton
    issues = (
        judge_skeleton(skeleton, judge)
        if skeleton is not None
        else [Issue(rule="no_skeleton", message="No skeleton passed the judge in the chat")]
    )
    row = SkeletonRow.of(
        brief.id, "framework_chat", skeleton, issues, usage, latency, turns=len(brief.messages)
    )
    return _BriefSkeleton(skeleton, row)


def framework_context(
    golden: GoldenSet, brief: Brief, judge: JudgeContext, prior: list[dict[str, Any]]
) -> FrameworkContext:
    custom = sorted({k for g in golden.leads for k in g.lead.custom_fields})
    return FrameworkContext(
        workspace_context=brief.workspace_context,
        campaign_name=brief.campaign_name,
        campaign_type="email",
        node_purpose=None,
        output_type="email",
        sequence=SequenceContext(brief.position, brief.total_nodes, prior),
        sample_leads=[g.lead for g in golden.leads[:SAMPLE_LEADS]],
        available_var_names=[*LEAD_FIELDS, *(f"custom.{k}" for k in custom)],
        current_skeleton=None,
        judge=judge,
        sender=brief.sender,
    )


def _sample_prior(
    golden: GoldenSet, brief: Brief, written: dict[tuple[str, str], DraftRow]
) -> list[dict[str, Any]]:
    """The earlier touches the framework chat is shown: those of the first sample lead."""
    if not golden.leads:
        return _earlier_fixed(brief)
    return _earlier(brief, golden.leads[0], written)


# --- the drafts -----------------------------------------------------------------------------


def _earlier_fixed(brief: Brief) -> list[dict[str, Any]]:
    emails = brief.earlier.emails if brief.earlier else ()
    return [e.model_dump() for e in emails]


def _earlier(
    brief: Brief, lead: GoldenLead, written: dict[tuple[str, str], DraftRow]
) -> list[dict[str, Any]]:
    """What this lead received before this brief's email: fixed emails, or the touches
    before the brief it follows plus the email the eval wrote for it there."""
    found = _earlier_fixed(brief)
    source = brief.earlier.brief if brief.earlier else None
    row = written.get((source, lead.id)) if source else None
    if row is not None:
        found += [*row.earlier, {"type": "email", "subject": row.subject, "body": row.body}]
    return found


async def _draft(
    brief: Brief,
    lead: GoldenLead,
    skeleton: Skeleton | None,
    writer: ResolvedModel,
    judge: JudgeContext,
    earlier: list[dict[str, Any]],
) -> DraftRow:
    if skeleton is None:
        issue = Issue(rule="no_skeleton", message="The brief has no skeleton that passed")
        return draft_row(brief.id, lead, _failed([issue], writer), 0.0, earlier)
    inp = WriterInput(
        skeleton=skeleton,
        lead=lead.lead,
        sender=brief.sender,
        campaign=CampaignInfo(signature=None),
        campaign_name=brief.campaign_name,
        sequence=SequenceContext(brief.position, brief.total_nodes, earlier),
        workspace_context=brief.workspace_context,
        judge=judge,
        facts=lead.facts(),
    )
    started = time.perf_counter()
    try:
        email = await write_email(inp, model=writer)
    except LLMError as exc:
        email = _failed([Issue(rule="llm_error", message=f"{exc.code}: {exc}")], writer)
    latency = (time.perf_counter() - started) * 1000
    return draft_row(brief.id, lead, email, latency, earlier)


def _failed(issues: list[Issue], writer: ResolvedModel) -> WrittenEmail:
    return WrittenEmail("", "", False, issues, writer.name, Usage(), 0)
