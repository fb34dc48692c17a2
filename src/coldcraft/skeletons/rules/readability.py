"""readability: Flesch reading ease at or above a minimum (a warning).

textstat 0.7.13 counts English syllables with NLTK's CMU dictionary, which it downloads on
first use: a network call inside a pure function, and scores that differ between machines
with and without the download. So the score here uses textstat's own word and sentence
counting and its dictionary-free syllable path (Pyphen hyphenation, as textstat does for
words the dictionary lacks), with the standard English Flesch constants. Deterministic and
offline; scores run a few points higher than with the dictionary.
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

from coldcraft.skeletons.schema import Issue

_MAX_WORD_CHARS = 40  # hyphenating a pathological "word" is slow; estimate it instead


@cache
def _hyphenator() -> Any:
    # Imported on first use: Pyphen loads a dictionary and textstat imports NLTK (~0.3 s),
    # which every importer of coldcraft.skeletons would otherwise pay for.
    from pyphen import Pyphen  # type: ignore[import-untyped]

    return Pyphen(lang="en_US")


@lru_cache(maxsize=8192)
def _syllables(word: str) -> int:
    if len(word) > _MAX_WORD_CHARS:
        return max(1, len(word) // 3)
    return len(_hyphenator().positions(word)) + 1


def flesch_reading_ease(text: str) -> float | None:
    """The Flesch reading ease of `text`, or None when it has no words."""
    import textstat

    words = str(textstat.remove_punctuation(text)).lower().split()
    if not words:
        return None
    sentences = max(1, int(textstat.sentence_count(text)))
    syllables = sum(_syllables(word) for word in words)
    return 206.835 - 1.015 * len(words) / sentences - 84.6 * syllables / len(words)


def check_readability(label: str, text: str, minimum: float) -> list[Issue]:
    score = flesch_reading_ease(text)
    if score is None or score >= minimum:
        return []
    message = (
        f"{label}: Flesch reading ease {score:.0f} (aim for {minimum:g} or more); "
        "use shorter sentences and plainer words"
    )
    return [Issue(rule="readability", message=message, severity="warning")]
