"""single_cta: at most one question/ask paragraph, and it comes last (a warning)."""

from __future__ import annotations

import re

from coldcraft.skeletons.rules.common import at, count_words, load_list, phrase_regex, plural
from coldcraft.skeletons.schema import Issue

RULE = "single_cta"
_ASK_RE = phrase_regex(load_list("ask_phrases.txt"))
_PARAGRAPH_RE = re.compile(r"\S[^\n]*(?:\n[ \t]*\S[^\n]*)*")  # non-blank lines in a row
_SIGN_OFF_RE = re.compile(
    r"(?:best|thanks|thank you|cheers|regards|kind regards|warm regards|sincerely|talk soon"
    r"|all the best|p\.?s\.?)\b",
    re.IGNORECASE,
)
_CLOSING_MAX_WORDS = 6  # "Sid", "Best,\nSid Patel\nFounder, Acme"


def check_single_cta(label: str, text: str) -> list[Issue]:
    paragraphs = list(_PARAGRAPH_RE.finditer(text))
    asks = [index for index, match in enumerate(paragraphs) if _is_ask(match[0])]
    issues = []
    if len(asks) > 1:
        where = ", ".join(at(text, paragraphs[index].start()) for index in asks)
        message = (
            f"{label}: {plural(len(asks), 'question/ask paragraph')} (at {where}); "
            "keep a single ask, in the last paragraph"
        )
        issues.append(Issue(rule=RULE, message=message, severity="warning"))
    if asks and not all(_is_closing(m[0]) for m in paragraphs[asks[-1] + 1 :]):
        where = at(text, paragraphs[asks[-1]].start())
        message = f"{label}: the ask at {where} is not at the end; move it to the last paragraph"
        issues.append(Issue(rule=RULE, message=message, severity="warning"))
    return issues


def _is_ask(paragraph: str) -> bool:
    return "?" in paragraph or bool(_ASK_RE and _ASK_RE.search(paragraph))


def _is_closing(paragraph: str) -> bool:
    """A sign-off or signature may follow the ask; a P.S. with a question is another ask."""
    if _is_ask(paragraph):
        return False
    return count_words(paragraph) <= _CLOSING_MAX_WORDS or bool(_SIGN_OFF_RE.match(paragraph))
