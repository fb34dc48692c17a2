"""links_first_touch: no URLs in a first touch (an error), few in follow-ups (a warning)."""

from __future__ import annotations

import re

from coldcraft.skeletons.rules.common import at
from coldcraft.skeletons.schema import Issue

_TLDS = (
    "com|net|org|io|ai|co|app|dev|me|ly|so|xyz|info|biz|us|uk|de|fr|eu|ca|au|in|gg|tv|to|sh|"
    "tech|cloud|site|page|link"
)
# Scheme or www URLs, and bare domains on common TLDs (mail clients link those too); the
# lookbehind keeps the domain of an email address out; possessive quantifiers keep the
# scan of ordinary words linear.
_URL_RE = re.compile(
    rf"\b(?:https?://|www\.)[^\s<>()\"']+"
    rf"|(?<![@\w.-])(?:[a-z0-9-]++\.)++(?:{_TLDS})\b(?:/[^\s<>()\"']*)?",
    re.IGNORECASE,
)
# In a template, this field renders as a URL.
_URL_FIELD_RE = re.compile(r"%linkedin_url(?:\|[^%\n]*)?%")
_FIRST_TOUCH = "a first touch should carry no links (they hurt deliverability); offer to send it"
_FOLLOW_UP = "links in follow-ups hurt deliverability; keep one only if it is essential"


def check_links(
    label: str, text: str, sequence_position: int, *, template: bool = False
) -> list[Issue]:
    matches = list(_URL_RE.finditer(text))
    if template:
        matches += _URL_FIELD_RE.finditer(text)
    if not matches:
        return []
    first = min(matches, key=lambda match: match.start())
    link = first[0].rstrip(".,;:!?")
    more = f" (and {len(matches) - 1} more)" if len(matches) > 1 else ""
    follow_up = sequence_position > 0
    advice = _FOLLOW_UP if follow_up else _FIRST_TOUCH
    message = f'{label}: link "{link}" at {at(text, first.start())}{more}; {advice}'
    severity = "warning" if follow_up else "error"
    return [Issue(rule="links_first_touch", message=message, severity=severity)]
