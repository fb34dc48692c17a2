"""Review: which drafts a person must look at (flags), how a hand edit is judged, and what
the review actions change.

A draft is **flagged** when it failed the judge, has missing fields, carries an error, or
holds an unresolved token (`%field%`, `{{field}}`, `[Name]`, `&&`). The flag is
kept on every write (resolve, generate_ai, an edit, a restore), so review filters and the
launch gate read one indexed column. Beside it every write keeps `issue_rules`, the rule ids
the verdict names (see `rule_key`), which the review summary counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from coldcraft.skeletons.judge import JudgeContext, judge_email
from coldcraft.skeletons.rules.tokens import unresolved_fields, unresolved_tokens
from coldcraft.writing.outcomes import Quality

REVIEW_STATES = ("unreviewed", "approved", "rejected")
# The send statuses a person may still change (a sent message is history).
UNSENT = ("draft", "pending")


def is_flagged(row: Mapping[str, Any]) -> bool:
    """Whether a draft (a message row's content) needs a person's look."""
    quality = row.get("quality") or {}
    error = row.get("error")
    # An empty text is no flag by itself: a connection request may go without a note, and
    # an email or message node without content is the launch's content check.
    return bool(
        error
        or row.get("missing_fields")
        or quality.get("passed") is False
        or unresolved_tokens(row.get("subject"), row.get("body_text"))
    )


def rule_key(quality: Mapping[str, Any] | None) -> str:
    """The rule ids a verdict names, sorted and comma-fenced: ",cta,subject_length," ("" for
    none), so `,rule,` matches exactly one rule."""
    rules = sorted({str(issue.get("rule")) for issue in (quality or {}).get("issues") or []})
    return f",{','.join(rules)}," if rules else ""


def rules_of(key: str) -> list[str]:
    return [rule for rule in key.split(",") if rule]


def review_columns(row: Mapping[str, Any]) -> dict[str, Any]:
    """The columns derived from a message's content: `flagged` and `issue_rules`."""
    return {"flagged": is_flagged(row), "issue_rules": rule_key(row.get("quality"))}


def with_review_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its derived columns set (every write path goes through this)."""
    row.update(review_columns(row))
    return row


def judge_edit(subject: str | None, body: str, judge: JudgeContext) -> dict[str, Any]:
    """A hand edit's verdict, as the message row keeps it: `quality` from the judge (an
    unresolved token fails it) and `missing_fields` from the merge fields left in the text.
    A message without a subject (not an email) is not judged on one."""
    issues = judge_email(subject or "", body, judge)
    if subject is None:
        issues = [issue for issue in issues if issue.rule != "subject_length"]
    return {
        "quality": Quality.of_issues(issues).model_dump(mode="json"),
        "missing_fields": unresolved_fields(subject, body),
        "error": None,
    }
