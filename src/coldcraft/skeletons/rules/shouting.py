"""shouting: no ALL-CAPS words of 4+ letters (allow-listed acronyms aside), few `!`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from coldcraft.skeletons.rules.common import Field, at_many, load_list, plural, quoted
from coldcraft.skeletons.rules.settings import JudgeSettings
from coldcraft.skeletons.schema import Issue

RULE = "shouting"
MIN_LETTERS = 4
ALLOWED = frozenset(entry.upper() for entry in load_list("acronyms.txt"))
# Candidates: words of 4+ characters with no ASCII lower-case letter, so ordinary words are
# rejected by the regex engine at their first letter; isupper() settles the rest.
_WORD_RE = re.compile(rf"(?<![^\W_])[^\W_a-z]{{{MIN_LETTERS},}}(?![^\W_])")
_BANG_RE = re.compile("!")


def check_shouting(fields: Sequence[Field], settings: JudgeSettings) -> list[Issue]:
    allowed = ALLOWED | {entry.upper() for entry in settings.allowed_acronyms}
    issues = [issue for label, text in fields for issue in _caps(label, text, allowed)]
    return issues + _exclamations(fields, settings.max_exclamations)


def _caps(label: str, text: str, allowed: frozenset[str]) -> list[Issue]:
    words: dict[str, list[int]] = {}
    for match in _WORD_RE.finditer(text):
        if _is_shouting(match[0], allowed):
            words.setdefault(match[0], []).append(match.start())
    if not words:
        return []
    shown = quoted(words)
    offsets = [offset for found in words.values() for offset in found]
    message = (
        f"{label}: ALL-CAPS {shown} at {at_many(text, offsets)}; write words in normal case "
        "(acronyms on the allow-list are fine)"
    )
    return [Issue(rule=RULE, message=message)]


def _is_shouting(word: str, allowed: frozenset[str]) -> bool:
    letters = sum(ch.isalpha() for ch in word)
    return letters >= MIN_LETTERS and word.isupper() and word.upper() not in allowed


def _exclamations(fields: Sequence[Field], limit: int) -> list[Issue]:
    found = [(label, text, [m.start() for m in _BANG_RE.finditer(text)]) for label, text in fields]
    found = [(label, text, offsets) for label, text, offsets in found if offsets]
    total = sum(len(offsets) for _, _, offsets in found)
    if total <= limit:
        return []
    labels = " and ".join(label for label, _, _ in found)
    where = "; ".join(f"{label} {at_many(text, offsets)}" for label, text, offsets in found)
    keep = "remove them" if limit == 0 else f"keep at most {limit}"
    message = f"{labels}: {plural(total, 'exclamation mark')} ({where}); {keep}"
    return [Issue(rule=RULE, message=message)]
