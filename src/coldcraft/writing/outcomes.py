"""What one writer call leaves behind, built in ONE place for examples and drafts.

A kind hands in its identity part (a `WrittenResult` subclass with the lead or prospect set)
and gets back the `ItemOutcome` the run engine stores: the subject, body, the judge's
verdict, the model and its usage; an email still failing the judge after its repair is an
item with `error` (code `quality_failed`) so it never passes for a finished one.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from coldcraft.llm.errors import LLMError
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.sources import BlockSources
from coldcraft.llm.usage import Usage
from coldcraft.llm.writer_agent import WriterInput, WrittenEmail, write_email
from coldcraft.runs.kinds import ErrorInfo, ItemOutcome
from coldcraft.skeletons.schema import Issue, passed


class QualityIssue(BaseModel):
    rule: str
    message: str


class Quality(BaseModel):
    """The judge's verdict on a written email (the wire shape on examples and drafts)."""

    passed: bool
    issues: list[QualityIssue] = []

    @classmethod
    def of(cls, written: WrittenEmail) -> Quality:
        return cls.model_validate(written.quality())

    @classmethod
    def of_issues(cls, issues: list[Issue]) -> Quality:
        found = [QualityIssue(rule=i.rule, message=i.message) for i in issues]
        return cls(passed=passed(issues), issues=found)


class UsageSummary(BaseModel):
    """An email's tokens and cost as examples and drafts show them (see `Usage.wire`)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    @classmethod
    def of(cls, usage: Usage) -> UsageSummary:
        return cls.model_validate(usage.wire())


class WrittenResult(BaseModel):
    """The writer's part of a stored result; subclasses add who it was written for.

    Stored with the fields that were set (`ItemOutcome.stored`): an unset field is absent,
    one set to None is null, as clients have always seen them.
    """

    subject: str | None = None
    body: str | None = None
    quality: Quality | None = None
    model: str | None = None
    usage: UsageSummary | None = None
    error: ErrorInfo | None = None
    sources: list[BlockSources] | None = None  # per AI block: the lead fields and facts used


R = TypeVar("R", bound=WrittenResult)


def quality_error(written: WrittenEmail) -> ErrorInfo:
    rules = ", ".join(sorted({i.rule for i in written.issues if i.severity == "error"}))
    return ErrorInfo(code="quality_failed", message=f"The draft failed the quality gate ({rules})")


def written_outcome(
    identity: R, written: WrittenEmail, *, keep_failed_body: bool, with_subject: bool = True
) -> ItemOutcome:
    """The outcome of a written email. `keep_failed_body`: a draft failing the judge keeps
    its text for a person to fix (drafts); an example drops it (it is not a sample)."""
    parts: dict[str, object] = {
        "subject": written.subject if with_subject else None,
        "body": written.body,
        "quality": Quality.of(written),
        "model": written.model,
        "usage": UsageSummary.of(written.usage),
        "sources": written.sources,
    }
    if written.passed:
        return ItemOutcome(ok=True, result=identity.model_copy(update=parts), usage=written.usage)
    error = quality_error(written)
    if not keep_failed_body:
        del parts["body"]
    result = identity.model_copy(update={**parts, "error": error})
    return ItemOutcome(ok=False, result=result, usage=written.usage, error=error)


def failed_outcome(
    identity: R,
    error: ErrorInfo,
    model: str | None,
    *,
    zero_usage: bool = False,
    spent: Usage | None = None,
) -> ItemOutcome:
    """An item the writer could not write (provider failure, a crash, the lead gone);
    `spent`: what was spent on it before the failure (its research), still counted."""
    parts: dict[str, object] = {"error": error, "model": model}
    # Research that reached a model or a paid search backend (a search call is a cost
    # without a model request): the item shows what it spent.
    if spent is not None and (spent.requests > 0 or spent.cost_usd > 0):
        parts["usage"] = UsageSummary.of(spent)
    elif zero_usage:
        parts["usage"] = UsageSummary()
    result = identity.model_copy(update=parts)
    return ItemOutcome(ok=False, result=result, usage=spent or Usage(), error=error)


async def write_outcome(
    request: WriterInput,
    model: ResolvedModel,
    identity: R,
    *,
    keep_failed_body: bool,
    with_subject: bool = True,
    zero_usage_on_failure: bool = False,
    spent: Usage | None = None,
) -> ItemOutcome:
    """One writer call and its outcome: the step examples and drafts share. `spent`: what
    the lead's research cost, counted in the item's usage (and so in the run's spend)."""
    try:
        written = await write_email(request, model=model)
    except LLMError as exc:
        error = ErrorInfo.of(exc.as_dict())
        return failed_outcome(
            identity, error, model.name, zero_usage=zero_usage_on_failure, spent=spent
        )
    if spent is not None:
        written.usage.add(spent)
    return written_outcome(
        identity, written, keep_failed_body=keep_failed_body, with_subject=with_subject
    )
