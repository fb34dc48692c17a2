"""unresolved_placeholder: no `[Name]`, `{{...}}`, `{name}` or `<company>` left by a model."""

from __future__ import annotations

import re
from collections.abc import Iterable

from coldcraft.skeletons.rules.common import Field, at_many, noun, quoted
from coldcraft.skeletons.schema import Issue

# Angle brackets must not hold "@", ":" or "/", so "<sid@acme.com>" and "<https://...>"
# pass; bracketed text must hold a letter (checked in code, so "[1]" footnotes pass). Every
# part is bounded so a long run of brackets can't make the scan quadratic.
_PLACEHOLDER_RE = re.compile(
    r"\[[^\[\]\n]{1,40}\]"
    r"|\{\{[^{}\n]{0,60}\}\}"
    r"|\{[^\W\d][\w .-]{0,40}\}"
    r"|<[^\W\d_][\w .'-]{0,40}>"
)


def _matches(text: str) -> list[re.Match[str]]:
    """Placeholder matches; a bracketed text counts only with a letter ("[1]" is a footnote)."""
    return [
        match
        for match in _PLACEHOLDER_RE.finditer(text)
        if not match[0].startswith("[") or any(ch.isalpha() for ch in match[0])
    ]


def placeholders(text: str) -> list[str]:
    """The placeholders left in `text`, each once."""
    return list(dict.fromkeys(match[0] for match in _matches(text)))


def check_placeholders(fields: Iterable[Field]) -> list[Issue]:
    issues = []
    for label, text in fields:
        found: dict[str, list[int]] = {}
        for match in _matches(text):
            found.setdefault(match[0], []).append(match.start())
        if found:
            offsets = [offset for hits in found.values() for offset in hits]
            message = (
                f"{label}: {noun(len(found), 'placeholder')} {quoted(found)} at "
                f"{at_many(text, offsets)}; put in the real values or rewrite without them"
            )
            issues.append(Issue(rule="unresolved_placeholder", message=message))
    return issues
