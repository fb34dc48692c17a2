"""Live checks for the studio's editors (framework-free): what a template step or a draft
would be told when saved, computed on the text as it is typed.

Template steps: a syntax error with its line and column, an AI block (no writer there), the
merge fields no prospect fills, and the judge's verdict on the step rendered for a neutral
lead. Drafts: `messages.review.judge_edit`, the verdict an edit is saved with.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from coldcraft.messages.review import judge_edit
from coldcraft.skeletons.judge import NEUTRAL_LEAD, NEUTRAL_SENDER, JudgeContext, judge_email
from coldcraft.skeletons.rules.fields import template_fields, unknown_fields
from coldcraft.skeletons.schema import passed
from coldcraft.skeletons.template import TemplateSyntaxError, render

Verdict = dict[str, Any]


def _issue(rule: str, message: str, line: int | None = None, column: int | None = None) -> Verdict:
    return {"rule": rule, "message": message, "severity": "error", "line": line, "column": column}


def check_template(
    texts: dict[str, str], *, custom_keys: Collection[str], judge: JudgeContext
) -> Verdict:
    """`texts`: the step's `subject` (emails) and `body`."""
    issues: list[Verdict] = []
    for field, text in texts.items():
        try:
            _, blocks = template_fields(text)
        except TemplateSyntaxError as exc:
            issues.append(_issue("syntax", f"{field}: {exc.message}", exc.line, exc.column))
            continue
        if blocks:
            message = (
                f"{field}: an AI block ('&&') has no writer in a template step; use an AI step"
            )
            issues.append(_issue("ai_block", message, blocks[0].line, blocks[0].column))
        for unknown in unknown_fields(text, custom_keys):
            issues.append(_issue("merge_field_unknown", f"{field}: {unknown.message}"))
    if issues:
        return {"passed": False, "issues": issues}
    subject = render(texts.get("subject", ""), NEUTRAL_LEAD, NEUTRAL_SENDER).text
    body = render(texts.get("body", ""), NEUTRAL_LEAD, NEUTRAL_SENDER).text
    judged = judge_email(subject, body, judge)
    if "subject" not in texts:
        judged = [issue for issue in judged if issue.rule != "subject_length"]
    return {"passed": passed(judged), "issues": [i.model_dump() for i in judged]}


def check_draft(subject: str | None, body: str, judge: JudgeContext) -> Verdict:
    """The verdict the edit would be saved with (quality and missing fields)."""
    verdict = judge_edit(subject, body, judge)
    quality = verdict["quality"] or {}
    missing = verdict["missing_fields"]
    return {
        "passed": bool(quality.get("passed")) and not missing,
        "issues": quality.get("issues", []),
        "missing_fields": missing,
    }
