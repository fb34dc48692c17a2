"""Unresolved tokens in text meant for a prospect: `%merge_field%`, `{{field}}`, `[Name]`,
`{name}`, `<company>` and the `&&` AI block marker. A draft carrying one is never ready to
send (the judge fails it: `example_rendered`, `unresolved_placeholder`)."""

from __future__ import annotations

import re

from coldcraft.skeletons.rules.placeholders import placeholders
from coldcraft.skeletons.rules.syntax import LOOSE_FIELD_RE, MARKER_RE

_DOUBLE_BRACE_NAME = re.compile(r"\{\{\s*([A-Za-z_][\w.]*)\s*\}\}")


def unresolved_tokens(*texts: str | None) -> list[str]:
    """Every unresolved token in `texts`, in order of appearance, each once."""
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        found += [match[0] for match in LOOSE_FIELD_RE.finditer(text)]
        found += placeholders(text)
        found += [match[0] for match in MARKER_RE.finditer(text)]
    return list(dict.fromkeys(found))


def unresolved_fields(*texts: str | None) -> list[str]:
    """The merge field names among the unresolved tokens (`%first_name%`, `{{company}}`)."""
    names: list[str] = []
    for text in texts:
        if not text:
            continue
        names += [match["name"] for match in LOOSE_FIELD_RE.finditer(text)]
        names += [match[1] for match in _DOUBLE_BRACE_NAME.finditer(text)]
    return list(dict.fromkeys(names))
