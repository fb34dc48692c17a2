"""The judge's thresholds, and how a workspace's `house_rules` override them."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_MAX_LIST_ENTRIES = 500  # a huge list would make the phrase regex slow to build and run
_MAX_ENTRY_CHARS = 100
# house_rules keys that add to a list setting instead of naming it.
_LIST_ALIASES = {
    "banned_words": "extra_banned",
    "banned_phrases": "extra_banned",
    "acronyms": "allowed_acronyms",
}


@dataclass(frozen=True)
class JudgeSettings:
    """The judge's thresholds: the one place they and their defaults are defined.

    The app's settings read every number field from `COLDCRAFT_<FIELD>`; a workspace's
    house rules then override any field (`with_house_rules`).
    """

    subject_max_chars: int = 60
    subject_warn_chars: int = 50
    first_touch_min_words: int = 20
    first_touch_max_words: int = 150
    first_touch_warn_words: int = 125
    follow_up_min_words: int = 10
    follow_up_max_words: int = 100
    readability_min: float = 50.0
    extra_banned: tuple[str, ...] = ()  # workspace banned words/phrases
    max_exclamations: int = 1
    allowed_acronyms: tuple[str, ...] = ()  # workspace additions to the shouting allow-list
    repeat_max_overlap: float = 0.5  # share of a follow-up's written 5-grams from one earlier email

    def with_house_rules(self, house_rules: Mapping[str, Any] | None) -> JudgeSettings:
        """These settings overridden by a workspace's house rules.

        Keys are field names (plus `banned_words`/`banned_phrases` for `extra_banned` and
        `acronyms` for `allowed_acronyms`); list settings are extended, not replaced.
        House rules are user data, so unknown keys and invalid values are ignored.
        """
        if not isinstance(house_rules, Mapping):
            return self
        changes: dict[str, Any] = {}
        for key, raw in house_rules.items():
            name = _LIST_ALIASES.get(key, key) if isinstance(key, str) else ""
            value = self._coerce(name, raw, changes)
            if value is not None:
                changes[name] = value
        return dataclasses.replace(self, **changes)

    def _coerce(self, name: str, raw: Any, changes: Mapping[str, Any]) -> Any:
        if name not in _FIELD_NAMES:
            return None
        current = changes.get(name, getattr(self, name))
        if isinstance(current, tuple):
            return _extend(current, _strings(raw))
        if isinstance(current, float):
            return _number(raw)
        number = _number(raw)
        return int(number) if number is not None and number.is_integer() else None


_FIELD_NAMES = frozenset(field.name for field in dataclasses.fields(JudgeSettings))
HOUSE_RULE_KEYS = _FIELD_NAMES | frozenset(_LIST_ALIASES)
# A workspace-context key that reads like a judge rule ("banned_words", "max_words"...).
_RULE_LIKE = re.compile(
    r"^(?:banned|extra|allowed|max|min|subject|readability|follow_up|first_touch)_"
)


def rule_key_problems(context: Mapping[str, Any]) -> list[str]:
    """Keys of a workspace context that name a judge rule coldcraft does not have, each with
    the known keys it may have meant: in `house_rules` every key must be known; at the top
    level only keys that read like a rule are checked (the rest is free-form context)."""
    problems = []
    house_rules = context.get("house_rules")
    listed = list(house_rules) if isinstance(house_rules, Mapping) else []
    for key in listed:
        if key not in HOUSE_RULE_KEYS:
            problems.append(f"house_rules.{key}: not a house rule{_did_you_mean(str(key))}")
    for key in context:
        if isinstance(key, str) and _RULE_LIKE.match(key) and key not in HOUSE_RULE_KEYS:
            problems.append(f"{key}: not a house rule{_did_you_mean(key)}")
    return problems


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, sorted(HOUSE_RULE_KEYS), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _number(raw: Any) -> float | None:
    """A finite, non-negative number from an int, a float or a numeric string."""
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _strings(raw: Any) -> list[str]:
    """Entries from a list of strings or from one comma/newline-separated string."""
    if isinstance(raw, str):
        items: list[Any] = re.split(r"[,\n]", raw)
    elif isinstance(raw, list | tuple):
        items = list(raw)
    else:
        return []
    entries = (item.strip() for item in items if isinstance(item, str))
    return [entry for entry in entries if 0 < len(entry) <= _MAX_ENTRY_CHARS]


def _extend(current: tuple[str, ...], extra: list[str]) -> tuple[str, ...] | None:
    if not extra:
        return None
    return tuple(dict.fromkeys([*current, *extra]))[:_MAX_LIST_ENTRIES]
