"""Facts from a company page, offline: its title, meta description and h1/h2 headings; and
the page's visible text (`page_text`), which a model reads to extract facts (extract.py).

Page text is untrusted. Before anything becomes a fact:

- scripts, styles, templates, `<noscript>`, SVG, iframes and hidden elements (`hidden`,
  `aria-hidden="true"`, inline `display:none` / `visibility:hidden`, hidden inputs) are
  skipped entirely;
- control, zero-width and bidi characters are removed and whitespace collapsed;
- each fact is capped (`MAX_FACT_CHARS`), its quote too (`MAX_QUOTE_CHARS`);
- a fact that reads like an instruction to a model ("ignore previous instructions",
  "system prompt", "you are an AI", ...) is dropped, and a quote that does is cut back to the
  fact itself.

The filter is a second line of defence, not the first: whoever hands facts to a model must
still quote them as data (`coldcraft.llm.context.section`), never as instructions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from typing import Literal

from pydantic import BaseModel, ConfigDict

MAX_FACT_CHARS = 200
MAX_QUOTE_CHARS = 400
MAX_HEADINGS = 20
MAX_PAGE_TEXT_CHARS = 8000  # the visible text a model reads from one page

FactKind = Literal["title", "description", "heading", "extracted", "search"]

SKIPPED_TAGS = frozenset(
    {"script", "style", "template", "noscript", "svg", "iframe", "object", "canvas"}
)
VOID_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    }
)  # fmt: skip
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
FACT_HEADINGS = frozenset({"h1", "h2"})
BLOCK_TAGS = frozenset({"p", "div", "li", "section", "article", "br", "td", "dd", "blockquote"})

_INSTRUCTION_RE = re.compile(
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier)"
    r"|disregard\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above|earlier|instructions)"
    r"|forget\s+(?:all|everything|your)"
    r"|system\s*prompt"
    r"|you\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|llm|chatgpt|claude)\b"
    r"|instruction"
    r"|as\s+an\s+ai\b"
    r"|\b(?:assistant|system)\s*:"
    r"|<\|"
    r"|\[/?inst\]"
    r"|jailbreak"
    r"|prompt\s+injection",
    re.IGNORECASE,
)
# Zero-width and bidi-control characters hide text from a reader but not from a model.
_INVISIBLE = dict.fromkeys(
    [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, *range(0x202A, 0x202F)],
    None,
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


class Fact(BaseModel):
    """One thing a company's page says, with where it came from.

    `id` is stable (a hash of the source URL, kind and text): the same page gives the same
    ids on every fetch. `quote` is the passage the fact came from (for a heading, the heading
    and the text under it; for a fact a model extracted, the exact passage it quoted, found
    on the page), capped."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: FactKind
    text: str
    source_url: str
    quote: str
    fetched_at: datetime


def clean_text(text: str, limit: int) -> str:
    """Printable text, whitespace collapsed, capped at `limit` characters (on a word)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def looks_like_instructions(text: str) -> bool:
    return _INSTRUCTION_RE.search(text) is not None


def fact_id(source_url: str, kind: str, text: str) -> str:
    return hashlib.sha256(f"{source_url}\n{kind}\n{text}".encode()).hexdigest()[:16]


class _Open:
    __slots__ = ("hidden", "tag")

    def __init__(self, tag: str, hidden: bool) -> None:
        self.tag = tag
        self.hidden = hidden


class _PageParser(HTMLParser):
    """Collects the visible title, descriptions and headings (each with the text under it),
    and the visible text of the whole body (up to `text_limit` characters, before cleaning)."""

    def __init__(self, text_limit: int = 0) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.text_chars = 0
        self.text_limit = text_limit
        self.stack: list[_Open] = []
        self.hidden_depth = 0
        self.title: list[str] = []
        self.in_title = False
        self.descriptions: list[str] = []
        self.headings: list[tuple[str, list[str], list[str]]] = []  # (tag, text, passage)
        self.in_heading = False

    # tags -------------------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "meta":
            self._meta(values)
            return
        if tag == "title":
            self.in_title = not self.hidden_depth and not self.title  # the first one only
            return
        if tag in VOID_TAGS:
            if tag == "br":
                self._text(" ")
            return
        hidden = tag in SKIPPED_TAGS or _is_hidden(values)
        self.stack.append(_Open(tag, hidden))
        if hidden:
            self.hidden_depth += 1
            return
        if tag in HEADING_TAGS and not self.hidden_depth:
            self._gap()
            self.in_heading = tag in FACT_HEADINGS
            self.headings.append((tag, [], []))
        elif tag in BLOCK_TAGS:
            self._text(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            self._meta({name.lower(): (value or "") for name, value in attrs})
        elif tag == "br":
            self._text(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                for closed in self.stack[index:]:
                    if closed.hidden:
                        self.hidden_depth -= 1
                del self.stack[index:]
                break
        if tag in HEADING_TAGS:
            self.in_heading = False
            self._gap()
        elif tag in BLOCK_TAGS:
            self._text(" ")

    def handle_data(self, data: str) -> None:
        if self.in_title and not self.hidden_depth:
            self.title.append(data)
            return
        self._text(data)

    # helpers ----------------------------------------------------------------------------

    def _text(self, data: str) -> None:
        if self.hidden_depth:
            return
        if self.text_chars < self.text_limit:
            self.text.append(data)
            self.text_chars += len(data)
        if not self.headings:
            return
        _tag, text, passage = self.headings[-1]
        if self.in_heading:
            text.append(data)
        if sum(map(len, passage)) < MAX_QUOTE_CHARS * 2:
            passage.append(data)

    def _gap(self) -> None:
        """A space between a heading and its neighbours, in the page text only."""
        if not self.hidden_depth and self.text_chars < self.text_limit:
            self.text.append(" ")
            self.text_chars += 1

    def _meta(self, values: dict[str, str]) -> None:
        key = (values.get("name") or values.get("property") or "").lower()
        if key in ("description", "og:description") and values.get("content"):
            self.descriptions.append(values["content"])


def _is_hidden(attrs: dict[str, str]) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden", "").lower() == "true":
        return True
    return bool(_HIDDEN_STYLE_RE.search(attrs.get("style", "")))


@dataclass(frozen=True)
class VisiblePage:
    """What a reader sees of a page, cleaned as facts are: its title, its meta description(s)
    and its visible body text, each capped."""

    title: str
    description: str
    text: str

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(part for part in (self.title, self.description, self.text) if part)

    @property
    def chars(self) -> int:
        return sum(map(len, self.parts))


def visible_page(html: str, limit: int = MAX_PAGE_TEXT_CHARS) -> VisiblePage:
    """The page's visible text (at most `limit` characters of body), title and description.

    Hidden elements, scripts, styles and the rest of `SKIPPED_TAGS` never get in; control,
    zero-width and bidi characters are removed and whitespace collapsed."""
    parser = _PageParser(text_limit=limit * 2)  # cleaning shrinks it; the cap comes after
    parser.feed(html)
    parser.close()
    return VisiblePage(
        title=clean_text("".join(parser.title), MAX_FACT_CHARS),
        description=clean_text(" ".join(parser.descriptions), MAX_QUOTE_CHARS),
        text=clean_text("".join(parser.text), limit),
    )


def extract_facts(html: str, *, source_url: str, fetched_at: datetime) -> list[Fact]:
    """The page's title, description and h1/h2 headings as facts (see the module doc)."""
    parser = _PageParser()
    parser.feed(html)
    parser.close()
    found: list[tuple[FactKind, str, str]] = []
    title = "".join(parser.title)
    found.append(("title", title, title))
    for description in parser.descriptions:
        found.append(("description", description, description))
    headings = [(h, p) for tag, h, p in parser.headings if tag in FACT_HEADINGS]
    for heading, passage in headings[:MAX_HEADINGS]:
        found.append(("heading", "".join(heading), "".join(passage)))

    facts: list[Fact] = []
    seen: set[str] = set()
    for kind, raw_text, raw_quote in found:
        text = clean_text(raw_text, MAX_FACT_CHARS)
        if not text or looks_like_instructions(text) or text.lower() in seen:
            continue
        seen.add(text.lower())
        quote = clean_text(raw_quote, MAX_QUOTE_CHARS)
        if not quote or looks_like_instructions(quote):
            quote = text
        facts.append(
            Fact(
                id=fact_id(source_url, kind, text),
                kind=kind,
                text=text,
                source_url=source_url,
                quote=quote,
                fetched_at=fetched_at,
            )
        )
    return facts
