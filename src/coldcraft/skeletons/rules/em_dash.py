"""em_dash: no em dash, horizontal bar or ` -- ` used as a dash (a tell of machine text)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from coldcraft.skeletons.rules.common import Field, at_many
from coldcraft.skeletons.schema import Issue

RULE = "em_dash"
# ` -- ` needs a word on both sides on the same line, so the "-- " signature separator at
# the start of a line is not a dash.
_DASH_RE = re.compile(r"[\u2014\u2015]|(?<=\S)[ \t]+(--)[ \t]+(?=\S)")


def check_em_dash(fields: Iterable[Field]) -> list[Issue]:
    issues = []
    for label, text in fields:
        offsets = [m.start(1) if m[1] else m.start() for m in _DASH_RE.finditer(text)]
        if offsets:
            where = at_many(text, offsets)
            message = f"{label}: em dash at {where}; use a comma or a period instead"
            issues.append(Issue(rule=RULE, message=message))
    return issues
