"""What pages show, framework-free: marked-up text (AI parts, merge fields, diffs) built from
escaped pieces, and the small formatting filters the templates use.

Every function here escapes what it is given and returns `Markup`: text from prospects,
models and users never reaches a page unescaped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from coldcraft.skeletons.template import AIBlock, MergeField, parse_tolerant

WORDS = re.compile(r"\s+|[^\s]+")
HIGHLIGHT_MAX_CHARS = 12_000  # longer texts are shown without the AI highlight


def skeleton_markup(template: str | None) -> Markup:
    """A skeleton's text with merge fields and AI blocks visibly marked."""
    out = []
    for segment in parse_tolerant(template or ""):
        if isinstance(segment, MergeField):
            fallback = f"|{segment.fallback}" if segment.fallback is not None else ""
            label = escape(f"%{segment.name}{fallback}%")
            out.append(Markup('<span class="field" title="merge field">{}</span>').format(label))
        elif isinstance(segment, AIBlock):
            text = escape(f"&&{segment.instruction}&&")
            out.append(Markup('<mark class="ai" title="AI block">{}</mark>').format(text))
        else:
            out.append(escape(segment.text))
    return Markup("").join(out)


def ai_markup(written: str, fixed: str | None) -> Markup:
    """`written` with what is not in `fixed` (the template rendered without its AI blocks)
    highlighted as AI-written. Without a template, the text is shown plain."""
    if not fixed or len(written) + len(fixed) > HIGHLIGHT_MAX_CHARS:  # the matcher is quadratic
        return Markup(escape(written))
    out = []
    matcher = difflib.SequenceMatcher(None, fixed, written, autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        piece = escape(written[j1:j2])
        if tag in ("insert", "replace") and written[j1:j2].strip():
            out.append(Markup('<mark class="ai" title="written by the AI">{}</mark>').format(piece))
        else:
            out.append(piece)
    return Markup("").join(out)


def diff_markup(before: str | None, after: str | None) -> Markup:
    """A word-level difference: removed words in <del>, added ones in <ins>."""
    old, new = WORDS.findall(before or ""), WORDS.findall(after or "")
    out = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new).get_opcodes():
        if tag == "equal":
            out.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            out.append(Markup("<del>{}</del>").format("".join(old[i1:i2])))
        if j2 > j1:
            out.append(Markup("<ins>{}</ins>").format("".join(new[j1:j2])))
    return Markup("").join(out)


def person(prospect: Any) -> str:
    """How a prospect is named on a page: its name, else first and last, else its email."""
    if prospect is None:
        return ""
    parts = (prospect.first_name or "", prospect.last_name or "")
    full = prospect.name or " ".join(p for p in parts if p)
    return str(full or prospect.email or prospect.linkedin_url or prospect.company or "")


def when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")


def money(value: float | None) -> str:
    return f"${(value or 0):.4f}"


def pages(total: int, limit: int) -> int:
    return max(1, -(-total // limit))


def web_url(url: Any) -> str:
    """A link target only for an http(s) URL (a fact's source page): anything else, such as
    `javascript:`, is no link at all."""
    text = str(url or "")
    return text if text.lower().startswith(("https://", "http://")) else ""


FILTERS: dict[str, Callable[..., Any]] = {
    "web_url": web_url,
    "skeleton": skeleton_markup,
    "diff": diff_markup,
    "when": when,
    "money": money,
    "person": person,
}
GLOBALS: dict[str, Any] = {"pages": pages, "ai_markup": ai_markup}
