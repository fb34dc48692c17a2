"""Helpers the rules share: positions in messages, word counts, word lists and masking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from coldcraft.skeletons.template import ai_block_spans, position

# (label, text): where a text comes from ("body", "blocks[0].strategy") and the text.
Field = tuple[str, str]

_WORD_RE = re.compile(r"\w+(?:['\u2019-]\w+)*")
_MAX_POSITIONS = 3
_APOSTROPHES = "'\u2019"


def at(text: str, offset: int) -> str:
    line, column = position(text, offset)
    return f"line {line}, column {column}"


def at_many(text: str, offsets: Iterable[int]) -> str:
    """'line 1, column 4 and line 3, column 2', capped so messages stay short."""
    unique = sorted(set(offsets))
    shown = [at(text, offset) for offset in unique[:_MAX_POSITIONS]]
    more = len(unique) - len(shown)
    return " and ".join(shown) + (f" (and {more} more)" if more else "")


def count_words(text: str) -> int:
    """Words as a reader counts them: "10-min" and "don't" are one word each."""
    return len(_WORD_RE.findall(text))


@cache
def load_list(name: str) -> tuple[str, ...]:
    """Entries of a curated list in `skeletons/data/`, without comments and blank lines."""
    text = (files("coldcraft.skeletons") / "data" / name).read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def phrase_regex(entries: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a list of phrases, matched on word boundaries.

    The phrases are merged into a trie-shaped pattern behind a lookahead on their first
    letters: a plain alternation of a hundred phrases makes the regex engine try every
    phrase at every word. Lookarounds instead of `\\b` so entries that start or end with a
    symbol ("100% free", "$$$") still work.
    """
    phrases = [entry.strip() for entry in entries if entry.strip("* ")]
    if not phrases:
        return None
    trie: _Trie = {}
    for tokens in sorted({_phrase_tokens(phrase) for phrase in phrases}):
        node = trie
        for token in tokens:
            node = node.setdefault(token, {})
        node[_END] = {}
    pattern = rf"(?<!\w){_first_chars(phrases)}{_trie_pattern(trie)}(?!\w)"
    return re.compile(pattern, re.IGNORECASE)


def _first_chars(phrases: list[str]) -> str:
    """A lookahead on the characters the phrases can start with ("" when unsure)."""
    firsts = {phrase[0].lower() for phrase in phrases}
    if "-" in firsts:  # "-" may match nothing, so any character could come first
        return ""
    if firsts & set(_APOSTROPHES):
        firsts |= set(_APOSTROPHES)
    return "(?=[" + "".join(re.escape(ch) for ch in sorted(firsts)) + "])"


_Trie = dict[str, "_Trie"]
_END = ""  # marks a node where a phrase ends; no token is empty


def _trie_pattern(node: _Trie) -> str:
    branches = [token + _trie_pattern(child) for token, child in node.items() if token]
    if not branches:
        return ""
    group = "(?:" + "|".join(branches) + ")"
    if _END in node:
        return group + "?"  # greedy: the longer phrase wins, the shorter one is the fallback
    return branches[0] if len(branches) == 1 else group


def _phrase_tokens(entry: str) -> tuple[str, ...]:
    stem = entry.rstrip().endswith("*")
    tokens: list[str] = []
    for word in entry.strip().rstrip("*").lower().split():
        tokens += [r"\s+"] if tokens else []
        tokens += [_char_pattern(ch) for ch in word]
    return (*tokens, r"\w*") if stem else tuple(tokens)


def _char_pattern(ch: str) -> str:
    if ch == "-":
        return r"[-\s]?"
    if ch in _APOSTROPHES:
        return f"[{_APOSTROPHES}]"
    return re.escape(ch)


def mask_ai_blocks(template: str) -> str:
    """The template with each `&&...&&` blanked out (newlines kept, so positions still
    point into the original): the text a prospect actually reads, minus merge values."""
    chars = list(template)
    for start, end in ai_block_spans(template):
        chars[start:end] = ["\n" if ch == "\n" else " " for ch in chars[start:end]]
    return "".join(chars)


def quoted(items: Iterable[str], limit: int = 5) -> str:
    """'"a", "b" (and 3 more)': a short list of what was found, in order."""
    unique = list(dict.fromkeys(items))
    more = len(unique) - limit
    return ", ".join(f'"{item}"' for item in unique[:limit]) + (
        f" (and {more} more)" if more > 0 else ""
    )


def noun(count: int, word: str) -> str:
    return word if count == 1 else word + "s"


def plural(count: int, word: str, many: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {many or word + 's'}"
