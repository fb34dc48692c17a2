"""What the eval measures: one row per draft and per skeleton, and the summaries of rows.

A row is what the JSON report stores, so a committed report (`--baseline`) can be summarised
and compared exactly like a fresh run. Rates are shares of drafts; per-lead figures are
mean, median (p50) and 95th percentile (p95, nearest rank) over drafts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coldcraft.evals.golden import GoldenLead
from coldcraft.llm.usage import Usage
from coldcraft.llm.writer_agent import WrittenEmail
from coldcraft.skeletons.rules.catalog import RULES
from coldcraft.skeletons.rules.grounding import REPEAT_RULE
from coldcraft.skeletons.rules.grounding import RULE as UNGROUNDED
from coldcraft.skeletons.schema import Issue, Skeleton, passed

# What can fail a written email: the judge's rules that read emails (not `blocks_match`,
# which reads only a skeleton), the output guards (llm/guards.py) and the writer's own.
GUARD_RULES = ("foreign_link", "foreign_email", "instruction_echo", "data_tag_echo", "role_marker")
WRITER_RULES = ("ai_block_count",)
EMAIL_RULES = (
    *(rule for rule, info in RULES.items() if info.applies_to != "skeleton"),
    *GUARD_RULES,
    *WRITER_RULES,
)
RATE_DIGITS = 4
USD_DIGITS = 6


class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class IssueRow(_Row):
    rule: str
    severity: str
    message: str


class DraftRow(_Row):
    """One lead's email for one brief, and everything measured on it."""

    brief: str
    lead: str
    hostile: list[str]
    model: str
    passed: bool
    attempts: int  # 1 = the first answer, 2 = after the judge's repair, 0 = not written
    first_try_pass: bool
    after_repair_pass: bool
    ungrounded_claims: int  # ungrounded_claim errors left in the email
    ungrounded_dropped: int  # sentences dropped for an ungrounded claim (the warning)
    repeats: int  # repeats_earlier_touch issues
    leaks: list[str]  # the lead's canaries found in the subject or body
    issues: list[IssueRow]
    input_tokens: int
    output_tokens: int
    requests: int
    cost_usd: float
    latency_ms: float
    subject: str
    body: str
    # The touches the lead received before (the runner's, for the next follow-up): not saved.
    earlier: list[dict[str, Any]] = Field(default_factory=list, exclude=True)

    def errors(self) -> set[str]:
        return {i.rule for i in self.issues if i.severity == "error"}


class SkeletonRow(_Row):
    """The skeleton a brief's drafts were written from, and whether the judge passed it."""

    brief: str
    source: str  # "framework_chat" | "given"
    turns: int
    passed: bool
    issues: list[IssueRow]
    input_tokens: int
    output_tokens: int
    requests: int
    cost_usd: float
    latency_ms: float
    skeleton: dict[str, Any] | None

    @classmethod
    def of(
        cls,
        brief: str,
        source: str,
        skeleton: Skeleton | None,
        issues: list[Issue],
        usage: Usage,
        latency_ms: float,
        *,
        turns: int,
    ) -> SkeletonRow:
        return cls(
            brief=brief,
            source=source,
            turns=turns,
            passed=skeleton is not None and passed(issues),
            issues=[_issue(i) for i in issues],
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            requests=usage.requests,
            cost_usd=usage.cost_usd,
            latency_ms=round(latency_ms, 1),
            skeleton=skeleton.wire() if skeleton is not None else None,
        )


def _issue(issue: Issue) -> IssueRow:
    return IssueRow(rule=issue.rule, severity=issue.severity, message=issue.message)


def draft_row(
    brief: str,
    lead: GoldenLead,
    email: WrittenEmail,
    latency_ms: float,
    earlier: list[dict[str, Any]],
) -> DraftRow:
    issues = email.issues
    ungrounded = [i for i in issues if i.rule == UNGROUNDED]
    return DraftRow(
        brief=brief,
        lead=lead.id,
        hostile=list(lead.hostile),
        model=email.model,
        passed=email.passed,
        attempts=email.attempts,
        first_try_pass=email.passed and email.attempts <= 1,
        after_repair_pass=email.passed and email.attempts == 2,
        ungrounded_claims=sum(1 for i in ungrounded if i.severity == "error"),
        ungrounded_dropped=sum(1 for i in ungrounded if i.severity == "warning"),
        repeats=sum(1 for i in issues if i.rule == REPEAT_RULE),
        leaks=lead.leaks(email.subject, email.body),
        issues=[_issue(i) for i in issues],
        input_tokens=email.usage.input_tokens,
        output_tokens=email.usage.output_tokens,
        requests=email.usage.requests,
        cost_usd=email.usage.cost_usd,
        latency_ms=round(latency_ms, 1),
        subject=email.subject,
        body=email.body,
        earlier=earlier,
    )


# --- summaries ------------------------------------------------------------------------------


def rate(count: int, total: int) -> float:
    return round(count / total, RATE_DIGITS) if total else 0.0


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (the value at rank ceil(share * n)); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def spread(values: Sequence[float], digits: int = 1) -> dict[str, float]:
    mean = sum(values) / len(values) if values else 0.0
    return {
        "mean": round(float(mean), digits),
        "p50": round(float(percentile(values, 0.5)), digits),
        "p95": round(float(percentile(values, 0.95)), digits),
    }


def rule_rates(rows: Sequence[DraftRow]) -> dict[str, dict[str, Any]]:
    """Per rule: the share of drafts with no error of it, and its error and warning counts.
    Every rule that can fail an email is listed, plus any other rule that came up."""
    seen = {i.rule for row in rows for i in row.issues}
    rules = [*EMAIL_RULES, *sorted(seen - set(EMAIL_RULES))]
    found: dict[str, dict[str, Any]] = {}
    for rule in rules:
        errors = sum(1 for row in rows if rule in row.errors())
        warnings = sum(
            1 for row in rows for i in row.issues if i.rule == rule and i.severity == "warning"
        )
        found[rule] = {
            "pass_rate": rate(len(rows) - errors, len(rows)),
            "errors": errors,
            "warnings": warnings,
        }
    return found


def summarize(rows: Sequence[DraftRow]) -> dict[str, Any]:
    """The figures of a set of drafts (a brief's, or all of them): see docs/quality.md."""
    n = len(rows)
    return {
        "drafts": n,
        "passed": sum(r.passed for r in rows),
        "pass_rate": rate(sum(r.passed for r in rows), n),
        "first_try_pass_rate": rate(sum(r.first_try_pass for r in rows), n),
        "after_repair_pass_rate": rate(sum(r.after_repair_pass for r in rows), n),
        "repaired": sum(r.attempts == 2 for r in rows),
        "ungrounded_claims": sum(r.ungrounded_claims for r in rows),
        "ungrounded_dropped": sum(r.ungrounded_dropped for r in rows),
        "repeats": sum(r.repeats for r in rows),
        "injection_leaks": sum(1 for r in rows if r.leaks),
        "llm_errors": sum(1 for r in rows if "llm_error" in r.errors()),
        "hostile": _hostile(rows),
        "tokens": {
            "input": sum(r.input_tokens for r in rows),
            "output": sum(r.output_tokens for r in rows),
        },
        "cost_usd": round(sum(r.cost_usd for r in rows), USD_DIGITS),
        "per_lead": {
            "input_tokens": spread([r.input_tokens for r in rows]),
            "output_tokens": spread([r.output_tokens for r in rows]),
            "requests": spread([r.requests for r in rows], digits=2),
            "cost_usd": spread([r.cost_usd for r in rows], digits=USD_DIGITS),
            "latency_ms": spread([r.latency_ms for r in rows]),
        },
        "rules": rule_rates(rows),
    }


def _hostile(rows: Iterable[DraftRow]) -> dict[str, Any]:
    """The drafts for hostile leads: how many, and how many passed."""
    chosen = [r for r in rows if r.hostile]
    return {"drafts": len(chosen), "pass_rate": rate(sum(r.passed for r in chosen), len(chosen))}


def chat_summary(rows: Sequence[SkeletonRow]) -> dict[str, Any]:
    """The framework chat's side: skeletons that passed, turns, tokens and cost (not per lead:
    a skeleton serves every lead of its brief)."""
    return {
        "skeletons": len(rows),
        "skeletons_passed": sum(r.passed for r in rows),
        "turns": sum(r.turns for r in rows),
        "requests": sum(r.requests for r in rows),
        "tokens": {
            "input": sum(r.input_tokens for r in rows),
            "output": sum(r.output_tokens for r in rows),
        },
        "cost_usd": round(sum(r.cost_usd for r in rows), USD_DIGITS),
    }
