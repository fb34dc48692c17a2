"""The helpers behind the rules: phrase regexes, word lists, word counts, masking."""

from __future__ import annotations

import pytest

from coldcraft.skeletons.rules.common import (
    at_many,
    count_words,
    load_list,
    mask_ai_blocks,
    phrase_regex,
)


def matches(entries: list[str], text: str) -> list[str]:
    pattern = phrase_regex(entries)
    assert pattern is not None
    return [match[0] for match in pattern.finditer(text)]


def test_phrase_regex_prefers_the_longest_phrase_and_respects_word_boundaries() -> None:
    entries = ["ab", "abc", "abcd*", "x y"]
    assert matches(entries, "ab abc abcdef abd x   y xy zab") == ["ab", "abc", "abcdef", "x   y"]


def test_phrase_regex_hyphens_apostrophes_and_symbols() -> None:
    assert matches(["game-changer"], "a gamechanger, a Game Changer") == [
        "gamechanger",
        "Game Changer",
    ]
    assert matches(["it's"], "It\u2019s here, it's there") == ["It\u2019s", "it's"]
    assert matches(["100% free", "$$$"], "100% FREE and $$$!") == ["100% FREE", "$$$"]


def test_phrase_regex_of_nothing_is_none() -> None:
    assert phrase_regex([]) is None
    assert phrase_regex(["", " * "]) is None


@pytest.mark.parametrize(
    "name", ["banned_phrases.txt", "spam_words.txt", "acronyms.txt", "ask_phrases.txt"]
)
def test_word_lists_load_without_comments_or_blank_lines(name: str) -> None:
    entries = load_list(name)
    assert entries
    assert all(entry and not entry.startswith("#") for entry in entries)
    assert phrase_regex(entries) is not None


def test_count_words_counts_hyphenated_words_and_contractions_once() -> None:
    assert count_words("Worth a 10-min chat? Don't worry, 6+ hours/week.") == 9


def test_at_many_lists_three_positions_at_most() -> None:
    text = "a\nb a a a"
    assert at_many(text, [0, 4, 6, 8]) == (
        "line 1, column 1 and line 2, column 3 and line 2, column 5 (and 1 more)"
    )


def test_mask_ai_blocks_keeps_positions_and_newlines() -> None:
    masked = mask_ai_blocks("Hi &&a\nb&& there")
    assert masked == "Hi    \n    there"
