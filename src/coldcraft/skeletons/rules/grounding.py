"""ungrounded_claim and repeats_earlier_touch: what machine-written text may say.

ungrounded_claim: a number, percentage, amount or date, or a proper name, in a text a model
wrote (an AI block's text, never the skeleton's fixed text) must appear in the grounding
material: the lead's fields (custom fields too), the workspace context, the skeleton's own
text and any cited facts. Numbers compare by value ("10,000" = "10000" = "10k", "37%" =
"37 percent"); names compare case-folded, word by word. A capitalised word at the start of
a sentence is not taken for a name, nor are the words of `data/common_capitalised.txt` and
`data/acronyms.txt`: the rule errs towards letting a word through.

repeats_earlier_touch: on a follow-up, the share of the written texts' word 5-grams found in
one earlier email this prospect received may not exceed `repeat_max_overlap`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from coldcraft.skeletons.rules.common import Field, at, load_list
from coldcraft.skeletons.schema import Issue, Lead, Skeleton

RULE = "ungrounded_claim"
REPEAT_RULE = "repeats_earlier_touch"
NOT_FOUND = "is not in the lead's data, the facts, the workspace context or the skeleton"
_MAX_ISSUES = 10
_NGRAM = 5

_MULTIPLIERS = {
    "k": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
# A number a reader takes for a claim: "37%", "$1.2M", "10,000", "3rd", "2x", "5 million".
# Not glued to letters on the left ("B2B", "Q3") nor on the right unless a known suffix
# follows ("3D" is a word, not a number).
_CLAIM_NUMBER_RE = re.compile(
    r"(?<![\w.,$\u20ac\u00a3\u00a5])(?P<currency>[$\u20ac\u00a3\u00a5]\s?)?"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>\s?%|\s(?:percent|per cent)\b|(?:k|m|bn|b|x|st|nd|rd|th)\b"
    r"|\s(?:thousand|million|billion)\b)?"
    r"(?!\w)",
    re.IGNORECASE,
)
_ANY_NUMBER_RE = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_WORD_RE = re.compile(r"(?<![\w'\u2019])[^\W\d_](?:\w|['\u2019-](?=\w))*")
_POSSESSIVE_RE = re.compile(r"['\u2019]s$", re.IGNORECASE)
_SENTENCE_END = ".!?:;\n"
_OPENERS = " \t\"'\u201c\u2018(*-\u2022"


@dataclass(frozen=True)
class UngroundedSpan:
    """A span of written text that must be grounded: a number or a proper name."""

    start: int
    end: int
    text: str
    kind: str  # "number" | "name"


@dataclass(frozen=True)
class Grounding:
    """What written text may cite: numbers by value, words case-folded."""

    numbers: frozenset[str]
    words: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Grounding:
        numbers: set[str] = set()
        words: set[str] = set()
        for text in texts:
            numbers.update(_value(m) for m in _CLAIM_NUMBER_RE.finditer(text))
            numbers.update(_plain(m[0]) for m in _ANY_NUMBER_RE.finditer(text))
            for match in _WORD_RE.finditer(text):
                words.update(_word_forms(match[0]))
        return cls(frozenset(numbers), frozenset(words))

    def union(self, other: Grounding) -> Grounding:
        return Grounding(self.numbers | other.numbers, self.words | other.words)

    @classmethod
    def build(
        cls,
        *,
        lead: Lead | None = None,
        workspace: Mapping[str, Any] | None = None,
        skeleton: Skeleton | None = None,
        facts: Iterable[str] = (),
        extra: Iterable[str] = (),
    ) -> Grounding:
        """The grounding for one lead's email. A skeleton's examples are left out: they were
        written for a sample lead, so their names and numbers are not this lead's."""
        texts: list[str] = [*facts, *extra]
        if lead is not None:
            texts += strings_of(lead.model_dump(exclude={"id"}))
        texts += strings_of(workspace or {})
        if skeleton is not None:
            texts += skeleton_texts(skeleton)
        return cls.of(texts)


def skeleton_texts(skeleton: Skeleton) -> list[str]:
    """The skeleton's own text as grounding: subject, body and blocks, not the examples."""
    return [skeleton.subject, skeleton.body, *strings_of([b.model_dump() for b in skeleton.blocks])]


def find_claims(text: str, grounding: Grounding) -> list[UngroundedSpan]:
    """The spans of `text` the grounding does not support, in order."""
    claims = [
        UngroundedSpan(m.start(), m.end(), m[0].strip(), "number")
        for m in _CLAIM_NUMBER_RE.finditer(text)
        if _value(m) not in grounding.numbers
    ]
    names: list[UngroundedSpan] = []
    for match in _WORD_RE.finditer(text):
        if not _is_ungrounded_name(text, match, grounding):
            continue
        last = names[-1] if names else None
        if last is not None and text[last.end : match.start()] == " ":  # "Jane Doe": one span
            names[-1] = UngroundedSpan(
                last.start, match.end(), text[last.start : match.end()], "name"
            )
        else:
            names.append(UngroundedSpan(match.start(), match.end(), match[0], "name"))
    return sorted([*claims, *names], key=lambda claim: claim.start)


def check_grounding(texts: Sequence[Field], grounding: Grounding) -> list[Issue]:
    issues = []
    for label, text in texts:
        for claim in find_claims(text, grounding):
            what = "the number" if claim.kind == "number" else "the name"
            message = f"{label}: {what} '{claim.text}' (at {at(text, claim.start)}) {NOT_FOUND}"
            issues.append(Issue(rule=RULE, message=message))
    return issues[:_MAX_ISSUES]


def check_repeats(
    texts: Sequence[Field], earlier: Sequence[str], max_overlap: float
) -> list[Issue]:
    """A follow-up's written texts against each earlier email the prospect received."""
    written: set[tuple[str, ...]] = set()
    for _, text in texts:
        written |= _shingles(text)
    if not written:
        return []
    overlaps = [len(written & _shingles(touch)) / len(written) for touch in earlier]
    if not overlaps or max(overlaps) <= max_overlap:
        return []
    worst = max(overlaps)
    touch = overlaps.index(worst) + 1
    message = (
        f"the written text repeats {worst:.0%} of its wording from earlier touch {touch} "
        f"(at most {max_overlap:.0%}); refer back to it briefly and say something new"
    )
    return [Issue(rule=REPEAT_RULE, message=message)]


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    return {tuple(words[i : i + _NGRAM]) for i in range(len(words) - _NGRAM + 1)}


def _is_ungrounded_name(text: str, match: re.Match[str], grounding: Grounding) -> bool:
    word = match[0]
    if len(word) < 2 or not word[0].isupper() or _at_sentence_start(text, match.start()):
        return False
    forms = _word_forms(word)
    common = _common_words()
    if forms & common or forms & grounding.words:
        return False
    parts = [p for p in _POSSESSIVE_RE.sub("", word).split("-") if p]
    return not all(p.casefold() in grounding.words or p.casefold() in common for p in parts)


def _at_sentence_start(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in _OPENERS:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_END


def _word_forms(word: str) -> set[str]:
    folded = word.casefold()
    bare = _POSSESSIVE_RE.sub("", folded)
    return {folded, bare, *(part for part in bare.split("-") if part)}


@cache
def _common_words() -> frozenset[str]:
    entries = [*load_list("common_capitalised.txt"), *load_list("acronyms.txt")]
    return frozenset(entry.casefold() for entry in entries)


def _value(match: re.Match[str]) -> str:
    suffix = (match["suffix"] or "").strip().casefold()
    return _plain(match["number"], _MULTIPLIERS.get(suffix, 1))


def _plain(number: str, multiplier: int = 1) -> str:
    try:
        value = Decimal(number.replace(",", "")) * multiplier
    except InvalidOperation:
        return number
    return format(value.normalize(), "f")


def strings_of(value: Any) -> list[str]:
    """Every key and scalar value of nested data, as text."""
    if isinstance(value, Mapping):
        return [text for key, item in value.items() for text in [str(key), *strings_of(item)]]
    if isinstance(value, list | tuple | set | frozenset):
        return [text for item in value for text in strings_of(item)]
    if value is None or isinstance(value, bool):
        return []
    return [str(value)]
