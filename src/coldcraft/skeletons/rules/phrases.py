"""banned_phrase (cliches, AI tells, workspace words) and spam_words, from data/*.txt."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from coldcraft.skeletons.rules.common import Field, at_many, load_list, phrase_regex
from coldcraft.skeletons.schema import Issue

_BANNED = phrase_regex(load_list("banned_phrases.txt"))
_SPAM = phrase_regex(load_list("spam_words.txt"))


def without_flagged_phrases(text: str) -> str:
    """`text` without the phrases these rules refuse (banned and spam): for machine text that
    reuses a person's words, such as a topic taken from a brief ("..., guaranteed!!!")."""
    for pattern in (_BANNED, _SPAM):
        if pattern is not None:
            text = pattern.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=64)
def _workspace_regex(entries: tuple[str, ...]) -> re.Pattern[str] | None:
    # Few workspaces, rarely changing lists: compile each list once.
    return phrase_regex(entries)


def check_banned(fields: Iterable[Field], extra: tuple[str, ...] = ()) -> list[Issue]:
    patterns = [_BANNED, _workspace_regex(extra)]
    issues = []
    for label, text in fields:
        for phrase, offsets in _hits(patterns, text).items():
            message = (
                f'{label}: banned phrase "{phrase}" at {at_many(text, offsets)}; '
                "cut it or say something specific to this lead instead"
            )
            issues.append(Issue(rule="banned_phrase", message=message))
    return issues


def check_spam(fields: Iterable[Field]) -> list[Issue]:
    issues = []
    for label, text in fields:
        for phrase, offsets in _hits([_SPAM], text).items():
            message = (
                f'{label}: spam-trigger phrase "{phrase}" at {at_many(text, offsets)}; '
                "rephrase it, spam filters flag it"
            )
            issues.append(Issue(rule="spam_words", message=message))
    return issues


def _hits(patterns: Iterable[re.Pattern[str] | None], text: str) -> dict[str, list[int]]:
    """Matched phrase (lower-cased, spaces normalised) -> offsets, in order of first use."""
    found: dict[str, list[int]] = {}
    for pattern in patterns:
        for match in pattern.finditer(text) if pattern else ():
            found.setdefault(" ".join(match[0].lower().split()), []).append(match.start())
    return dict(sorted(found.items(), key=lambda item: min(item[1])))
