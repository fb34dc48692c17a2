"""Template syntax rules: ai_block_syntax, merge_field_unknown and example_rendered."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from coldcraft.skeletons.rules.common import Field, at_many, noun, quoted
from coldcraft.skeletons.schema import LEAD_FIELDS, SENDER_FIELDS, Issue
from coldcraft.skeletons.template import TemplateSyntaxError, is_known_field, parse

# Wider than the grammar on purpose: `%First_Name%` is literal text to the renderer, so it
# would reach a prospect as is; the judge reports it instead.
LOOSE_FIELD_RE = re.compile(r"%(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?:\|[^%\n]*)?%")
MARKER_RE = re.compile(r"&&")
KNOWN_HINT = (
    f"use a lead field ({', '.join(LEAD_FIELDS)}), custom_fields.<key>, "
    f"or a sender field ({', '.join(SENDER_FIELDS)})"
)


def check_ai_block_syntax(fields: Iterable[Field]) -> list[Issue]:
    issues = []
    for label, text in fields:
        try:
            parse(text)
        except TemplateSyntaxError as error:
            message = f"{label}: {error}; {error.hint}"
            issues.append(Issue(rule="ai_block_syntax", message=message))
    return issues


def check_merge_fields(fields: Iterable[Field]) -> list[Issue]:
    issues = []
    for label, text in fields:
        unknown: dict[str, list[int]] = {}
        for match in LOOSE_FIELD_RE.finditer(text):
            if not is_known_field(match["name"]):
                unknown.setdefault(match["name"], []).append(match.start())
        for name, offsets in unknown.items():
            message = f"{label}: {_unknown(name)} at {at_many(text, offsets)}; {field_fix(name)}"
            issues.append(Issue(rule="merge_field_unknown", message=message))
    return issues


def _unknown(name: str) -> str:
    if name != name.lower() and is_known_field(name.lower()):
        return f"merge field %{name}% is not lower-case"
    return f"unknown merge field %{name}%"


def field_fix(name: str) -> str:
    """How to fix an unknown field name (also used by blocks_match)."""
    lower = name.lower()
    if is_known_field(lower):
        return f"write %{lower}%"
    if lower.rstrip(".") == "custom_fields":
        return "name the key: %custom_fields.<key>%"
    known = [*LEAD_FIELDS, *SENDER_FIELDS]
    close = difflib.get_close_matches(lower, known, n=1, cutoff=0.75)
    return f"did you mean %{close[0]}%?" if close else KNOWN_HINT


def check_rendered(fields: Iterable[Field], *, require_text: bool = False) -> list[Issue]:
    issues = []
    for label, text in fields:
        if require_text and not text.strip():
            message = f"{label} is empty; write it out as rendered for the sample lead"
            issues.append(Issue(rule="example_rendered", message=message))
        issues.extend(_leftovers(label, text))
    return issues


def _leftovers(label: str, text: str) -> list[Issue]:
    issues = []
    fields = list(LOOSE_FIELD_RE.finditer(text))
    if fields:
        names = list(dict.fromkeys(match[0] for match in fields))
        where = at_many(text, (match.start() for match in fields))
        message = (
            f"{label}: {noun(len(names), 'merge field')} {quoted(names)} left at {where}; "
            "write the lead's values instead"
        )
        issues.append(Issue(rule="example_rendered", message=message))
    markers = [match.start() for match in MARKER_RE.finditer(text)]
    if markers:
        message = (
            f"{label}: AI block marker '&&' left at {at_many(text, markers)}; "
            "write the block's text out instead"
        )
        issues.append(Issue(rule="example_rendered", message=message))
    return issues
