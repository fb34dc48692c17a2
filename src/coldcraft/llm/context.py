"""What prompts are made of: data sections, and the sequence context both agents share.

Data sections: JSON inside a tag, with every tag-like character neutralised.

Anything that is data rather than instructions (leads, workspace context, skeletons, prior
emails) goes into the prompt as `<tag>\\n{json}\\n</tag>`. `<`, `>` and `&` inside the JSON are
written as `\\u003c`, `\\u003e`, `\\u0026`: the JSON decodes to the same values, but no value can
close the tag, open a fake one (`</lead_data>`, `<system>`) or smuggle `&&` block syntax.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import Lead, Sender, Skeleton


@dataclass
class SequenceContext:
    """Where an email sits among the sequence's message nodes, and what the earlier ones
    said (`{type, subject, body}`, as this lead received them when known)."""

    position: int = 0
    total_nodes: int = 1
    prior_nodes: list[dict[str, Any]] = field(default_factory=list)


def word_range(judge: JudgeContext, *, follow_up: bool) -> tuple[int, int]:
    """The body length the judge accepts at this position (its thresholds, house rules in)."""
    settings = judge.settings
    if follow_up:
        return settings.follow_up_min_words, settings.follow_up_max_words
    return settings.first_touch_min_words, settings.first_touch_max_words


_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}
_ESCAPE_RE = re.compile("[<>&]")


def quote_json(data: Any) -> str:
    """Deterministic JSON (same input, same bytes) with tag characters escaped."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(", ", ": "))
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def section(tag: str, data: Any) -> str:
    return f"<{tag}>\n{quote_json(data)}\n</{tag}>"


def read_section(text: str | None, tag: str) -> Any:
    """The JSON value of the last `<tag>` section in `text`, or None."""
    if not text:
        return None
    matches = re.findall(rf"<{tag}>\n(.*?)\n</{tag}>", text, flags=re.S)
    if not matches:
        return None
    try:
        return json.loads(matches[-1])
    except json.JSONDecodeError:
        return None


def lead_data(lead: Lead) -> dict[str, Any]:
    """The lead's non-empty fields, as the writer and the framework agent see them."""
    data = lead.model_dump(exclude_none=True, exclude={"custom_fields"})
    data = {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
    custom = {k: v for k, v in lead.custom_fields.items() if v is not None and v != ""}
    if custom:
        data["custom_fields"] = custom
    return data


def sender_data(sender: Sender | None) -> dict[str, Any] | None:
    if sender is None:
        return None
    return sender.model_dump(exclude_none=True)


def skeleton_data(skeleton: Skeleton | None) -> dict[str, Any] | None:
    return None if skeleton is None else skeleton.wire()
