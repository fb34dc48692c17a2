"""The template language: `%field|fallback%` merge fields and `&&instruction&&` AI blocks.

`parse` is strict: the judge reports its errors to the author. `render` is tolerant and never
raises on a malformed template, because whatever reaches a prospect must be clean text with
no template syntax left in it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from coldcraft.skeletons.schema import (
    LEAD_FIELDS,
    SENDER_FIELDS,
    CampaignInfo,
    CustomValue,
    Lead,
    Sender,
)

# A fallback may hold a lone `&` ("Tom & Jerry") but never `&&`, so a field can't swallow a
# block marker.
FIELD_PATTERN = r"%(?P<name>[a-z_][a-z0-9_.]*)(?:\|(?P<fallback>(?:[^%\n&]|&(?!&))*))?%"
FIELD_RE = re.compile(FIELD_PATTERN)
# One pass finds both token kinds, so a `%` never pairs across an `&&` marker.
_TOKEN_RE = re.compile(rf"{FIELD_PATTERN}|(?P<amp>&&)")
_CUSTOM_FIELD_RE = re.compile(r"custom_fields\.[a-z0-9_]+(?:\.[a-z0-9_]+)*")
CUSTOM_PREFIX = "custom_fields."
# Built-in names win over a custom field of the same name.
BUILT_IN_FIELDS = frozenset({*LEAD_FIELDS, *SENDER_FIELDS})


class TemplateSyntaxError(ValueError):
    """A malformed template; `line` and `column` are 1-based and point at the culprit."""

    def __init__(self, message: str, line: int, column: int, hint: str = "") -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint

    def __reduce__(self) -> tuple[type[TemplateSyntaxError], tuple[str, int, int, str]]:
        # Durable workflows pickle exceptions; the default reduce would lose the fields.
        return (type(self), (self.message, self.line, self.column, self.hint))


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class MergeField:
    name: str
    fallback: str | None
    line: int
    column: int


@dataclass(frozen=True)
class AIBlock:
    instruction: str
    line: int
    column: int


Segment = Text | MergeField | AIBlock


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - text.rfind("\n", 0, offset)


def is_known_field(name: str) -> bool:
    if name in LEAD_FIELDS or name in SENDER_FIELDS:
        return True
    return _CUSTOM_FIELD_RE.fullmatch(name) is not None


class _Builder:
    """Accumulates segments, merging adjacent literal text into one Text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.cursor = 0
        self.segments: list[Segment] = []
        self._pending: list[str] = []

    def literal(self, end: int) -> None:
        if end > self.cursor:
            self._pending.append(self.text[self.cursor : end])
        self.cursor = max(self.cursor, end)

    def skip(self, start: int, end: int) -> None:
        self.literal(start)
        self.cursor = end

    def field(self, match: re.Match[str]) -> None:
        self._flush()
        line, column = position(self.text, match.start())
        self.segments.append(MergeField(match["name"], match["fallback"], line, column))
        self.cursor = match.end()

    def block(self, opening: re.Match[str], closing: re.Match[str]) -> None:
        self._flush()
        line, column = position(self.text, opening.start())
        instruction = self.text[opening.end() : closing.start()]
        self.segments.append(AIBlock(instruction, line, column))
        self.cursor = closing.end()

    def finish(self) -> list[Segment]:
        self.literal(len(self.text))
        self._flush()
        return self.segments

    def _flush(self) -> None:
        if self._pending:
            self.segments.append(Text("".join(self._pending)))
            self._pending = []


def parse(text: str) -> list[Segment]:
    """Split a template into segments; raise TemplateSyntaxError on bad `&&` markers."""
    builder = _Builder(text)
    opening: re.Match[str] | None = None
    for match in _TOKEN_RE.finditer(text):
        if opening is None:
            builder.literal(match.start())
            if match["amp"]:
                opening = match
            else:
                builder.field(match)
        elif match["amp"]:
            _check_block(text, opening, match)
            builder.block(opening, match)
            opening = None
    if opening is not None:
        raise _error(
            text,
            opening.start(),
            "unclosed AI block '&&'",
            "close the block with '&&' after its instruction, or remove the stray '&&'",
        )
    return builder.finish()


def _check_block(text: str, opening: re.Match[str], closing: re.Match[str]) -> None:
    if _opens_only(text, closing):
        line, column = position(text, opening.start())
        raise _error(
            text,
            closing.start(),
            f"AI block opened inside the AI block from line {line}, column {column}",
            "blocks do not nest: close the first block with '&&' before opening another",
        )
    if not text[opening.end() : closing.start()].strip():
        raise _error(
            text,
            opening.start(),
            "empty AI block",
            "write an instruction between the '&&' markers, or remove them",
        )


def _opens_only(text: str, match: re.Match[str]) -> bool:
    """A marker after a space and glued to the next word can only open a block.

    Markers are symmetric, so this flanking test (as in Markdown emphasis) is what tells
    `&&a &&b&& c&&` (a nested block) apart from `&&a&& &&b&&` (two blocks).
    """
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return before.isspace() and not after.isspace()


def _error(text: str, offset: int, message: str, hint: str) -> TemplateSyntaxError:
    line, column = position(text, offset)
    return TemplateSyntaxError(message, line, column, hint)


def parse_tolerant(text: str) -> list[Segment]:
    """Like `parse` but never raises: `&&` pair up in order, a final unpaired `&&` and
    empty blocks are left out (their surroundings stay), nesting is not checked."""
    tokens = list(_TOKEN_RE.finditer(text))
    markers = [token for token in tokens if token["amp"]]
    stray = markers[-1] if len(markers) % 2 else None
    builder = _Builder(text)
    opening: re.Match[str] | None = None
    for match in tokens:
        if match is stray:
            builder.skip(match.start(), match.end())
        elif opening is None:
            builder.literal(match.start())
            if match["amp"]:
                opening = match
            else:
                builder.field(match)
        elif match["amp"]:
            if text[opening.end() : match.start()].strip():
                builder.block(opening, match)
            else:
                builder.skip(opening.start(), match.end())
            opening = None
    return builder.finish()


def ai_block_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each `&&...&&` pair, markers included, paired in order."""
    markers = [m for m in _TOKEN_RE.finditer(text) if m["amp"]]
    return [(markers[i].start(), markers[i + 1].end()) for i in range(0, len(markers) - 1, 2)]


def merge_field_names(text: str) -> list[str]:
    """Names of the merge fields used (AI blocks included), first use first, no repeats."""
    names = (match["name"] for match in _TOKEN_RE.finditer(text) if match["name"])
    return list(dict.fromkeys(names))


# --- render ---------------------------------------------------------------------------

# Marks where a value rendered empty, so the tidy-up can repair the text around it.
_EMPTY = "\x00"
# `(?<![ \t])` makes a match start only at the beginning of a run of blanks: without it the
# engine rescans the run from every position (quadratic on a long run of spaces).
_REPAIRS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\x00+['\u2019]s\b"), _EMPTY),  # "%company%'s team" with no company
    (re.compile(r"\([ \t]*\x00+[ \t]*\)"), _EMPTY),  # "(%position%)"
    (re.compile(r"(?<![ \t])[ \t]*[,;:][ \t]*\x00+(?=[ \t]*[,.;:!?])"), ""),  # "a, %x%, b"
    (re.compile(r"^[ \t,.;:!?\x00]*\x00[ \t,.;:!?\x00]*(?:\n|\Z)", re.M), ""),  # alone on line
    (re.compile(r"^[ \t]*\x00+[ \t]*(?:[,;:][ \t]*)?", re.M), ""),  # at a line start
    (re.compile(r"(?<![ \t])[ \t]*\x00+[ \t]*(?=[,.;:!?)])"), ""),  # "Hi %first_name%,"
    (re.compile(r"(?<![ \t])[ \t]*\x00+[ \t]*$", re.M), ""),  # at a line end
    (re.compile(r"(?<![ \t])[ \t]+\x00+[ \t]+"), " "),  # between two words
    (re.compile(r"\x00+"), ""),
)
_CLEANUPS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=\S)[ \t]{2,}"), " "),
    (re.compile(r"(?<![ \t])[ \t]+$", re.M), ""),
    (re.compile(r"\n{3,}"), "\n\n"),
)
_MARKERS_RE = re.compile(r"&{2,}")
# An HTML or XML tag, opening or closing, with or without attributes.
_TAG_RE = re.compile(r"</?[A-Za-z][\w:-]*(?:\s[^<>]*)?/?>")


@dataclass(frozen=True)
class Rendered:
    text: str
    missing_fields: list[str]
    ai_blocks: list[str]


@dataclass(frozen=True)
class CompiledTemplate:
    """A template parsed once, to render many times (one per lead) with `MergeValues`."""

    segments: tuple[Segment, ...]
    ai_block_count: int

    def render(self, values: MergeValues, *, ai_texts: Sequence[str] | None = None) -> Rendered:
        """`render` for these values; resets `values.missing` so values can be reused."""
        if ai_texts is not None and len(ai_texts) != self.ai_block_count:
            count = self.ai_block_count
            raise ValueError(f"render got {len(ai_texts)} AI texts for {count} AI blocks")
        texts = iter(ai_texts if ai_texts is not None else [""] * self.ai_block_count)
        values.missing = []
        pieces: list[str] = []
        instructions: list[str] = []
        for segment in self.segments:
            if isinstance(segment, Text):
                pieces.append(segment.text)
            elif isinstance(segment, MergeField):
                pieces.append(values.resolve(segment.name, segment.fallback))
            else:
                instructions.append(_tidy(values.fill(segment.instruction)))
                pieces.append(values.fill(_clean(next(texts))).strip() or _EMPTY)
        text = _scrub(_tidy("".join(pieces)))
        return Rendered(text, list(dict.fromkeys(values.missing)), instructions)


def compile_template(template: str) -> CompiledTemplate:
    segments = tuple(parse_tolerant(_clean(template)))
    return CompiledTemplate(segments, sum(isinstance(s, AIBlock) for s in segments))


def render(
    template: str,
    lead: Lead | None = None,
    sender: Sender | None = None,
    campaign: CampaignInfo | None = None,
    *,
    ai_texts: Sequence[str] | None = None,
) -> Rendered:
    """Substitute merge fields and AI texts, then tidy the text around empty values.

    Merge fields inside AI texts are substituted too (a writer may echo `%first_name%`).
    Never raises on a malformed template; raises ValueError when `ai_texts` does not have
    one text per AI block.
    """
    values = MergeValues(lead, sender, campaign)
    return compile_template(template).render(values, ai_texts=ai_texts)


class MergeValues:
    """Looks merge fields up for one lead, sender and campaign; records missing ones."""

    def __init__(
        self, lead: Lead | None, sender: Sender | None, campaign: CampaignInfo | None
    ) -> None:
        self._fixed = {**_lead_values(lead), **_sender_values(sender)}
        self._fixed["signature"] = _clean(campaign.signature or "").strip() if campaign else ""
        self._custom = lead.custom_fields if lead else {}
        self.missing: list[str] = []

    def resolve(self, name: str, fallback: str | None) -> str:
        value = self._lookup(name)
        if value:
            return value
        if fallback is None:
            self.missing.append(name)
        elif fallback.strip():
            return fallback
        return _EMPTY

    def fill(self, text: str) -> str:
        """`text` with its merge fields substituted (empty values marked for the tidy-up)."""
        return FIELD_RE.sub(lambda m: self.resolve(m["name"], m["fallback"]), text)

    def _lookup(self, name: str) -> str:
        if name.startswith(CUSTOM_PREFIX):
            return _custom_value(self._custom, name[len(CUSTOM_PREFIX) :])
        if name in BUILT_IN_FIELDS:
            return self._fixed.get(name, "")
        return _custom_value(self._custom, name)  # a bare custom field: %industry%


def _lead_values(lead: Lead | None) -> dict[str, str]:
    if lead is None:
        return {}
    names = ("first_name", "last_name", "email", "company", "position", "headline")
    values = {name: _value(getattr(lead, name)) for name in (*names, "linkedin_url")}
    values["full_name"] = values["name"] = _value(lead.display_name())
    return values


def _sender_values(sender: Sender | None) -> dict[str, str]:
    if sender is None:
        return {}
    first, last = _value(sender.first_name), _value(sender.last_name)
    name = _value(sender.display_name) or " ".join(part for part in (first, last) if part)
    return {
        "sender_first": first,
        "sender_last": last,
        "sender_name": name,
        "sender_email": _value(sender.email),
    }


def _custom_value(custom: dict[str, CustomValue], key: str) -> str:
    if key in custom:
        return _value(custom[key])
    # Imported columns keep their headers ("Industry Vertical"); fields are lower_snake.
    for candidate, value in custom.items():
        if re.sub(r"\W+", "_", candidate.strip().lower()) == key:
            return _value(value)
    return ""


def _value(value: CustomValue) -> str:
    """A lead's or sender's value as email text, or "" (missing). Values are plain text: one
    holding markup (`<b>Eve</b>`, `<img src=x onerror=...>`, pasted from a CRM's HTML or
    planted) is not merged at all, so the field's fallback is used, or it counts as
    missing (and the draft is flagged). Stripping the tags instead would guess at what the
    value meant, and could leave an attribute's text in the email."""
    if value is None:
        return ""
    text = _clean(str(value)).strip()
    return "" if _TAG_RE.search(text) else text


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace(_EMPTY, "")


def _tidy(text: str) -> str:
    steps = (*_REPAIRS, *_CLEANUPS) if _EMPTY in text else _CLEANUPS
    for pattern, replacement in steps:
        text = pattern.sub(replacement, text)
    return text.strip()


def _scrub(text: str) -> str:
    """Defuse template syntax formed by values or by text meeting around an empty value
    ("x%" + "" + "y%"): drop the opening `%` of such a field and shorten `&&` runs."""
    while True:
        cleaned = _MARKERS_RE.sub("&", FIELD_RE.sub(lambda m: m[0][1:], text))
        if cleaned == text:
            return text
        text = cleaned
