"""Where each AI block of an email came from: the writer names the lead fields and the
company facts it used, and we keep only what was really in its input.

The writer's output lists, per AI block, source keys: a `lead_data` key (`company`,
`position`, `custom_fields.industry`) or a fact id (`fact:<id>`, as the prompt gives it in
`<company_facts>`). Model output is untrusted: a key that was not in this lead's input is
dropped, never shown to a reviewer as evidence. What is kept is resolved here to what a
reviewer needs next to the sentence: the field and its value, or the fact with its source
URL and quoted passage.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from coldcraft.llm.context import lead_data
from coldcraft.skeletons.schema import Lead

FACT_PREFIX = "fact:"
MAX_SOURCES_PER_BLOCK = 12


class CitedFact(BaseModel):
    """A fact the writer may state, with where it came from (research hands these in)."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    source_url: str
    quote: str = ""

    def prompt_data(self) -> dict[str, str]:
        """How the writer sees it (inside `<company_facts>`): the id to cite, the text and
        the page; the longer quote stays out of the prompt (it is for the reviewer)."""
        return {"id": f"{FACT_PREFIX}{self.id}", "text": self.text, "source_url": self.source_url}


class Source(BaseModel):
    """One piece of evidence behind a block: a lead field (`field`, `value`) or a fact
    (`id`, `text`, `url`, `quote`)."""

    model_config = ConfigDict(frozen=True)

    type: Literal["lead_field", "fact"]
    field: str | None = None
    value: str | None = None
    id: str | None = None
    text: str | None = None
    url: str | None = None
    quote: str | None = None


class BlockSources(BaseModel):
    """The evidence behind one AI block (1-based `block`, its skeleton `section`, the `text`
    written for it), so a reviewer reads the sentence next to what it rests on."""

    model_config = ConfigDict(frozen=True)

    block: int
    section: str
    text: str = ""
    sources: list[Source]


def lead_fields(lead: Lead) -> dict[str, str]:
    """The lead's citable fields: `lead_data` keys (custom fields as `custom_fields.<k>`)."""
    return flat_fields(lead_data(lead))


def flat_fields(data: dict[str, Any]) -> dict[str, str]:
    """`lead_data` as the writer saw it, flattened to source keys and their text."""
    fields: dict[str, str] = {}
    for key, value in data.items():
        if key == "custom_fields" and isinstance(value, dict):
            fields |= {f"custom_fields.{k}": _text(v) for k, v in value.items()}
        else:
            fields[key] = _text(value)
    return fields


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def resolve(keys: list[str], fields: dict[str, str], facts: dict[str, CitedFact]) -> list[Source]:
    """The keys the writer named that were in its input, resolved; the rest dropped."""
    found: list[Source] = []
    seen: set[str] = set()
    for raw in keys:
        key = raw.strip()
        if key.startswith("lead."):  # a model may well write `lead.company`
            key = key[len("lead.") :]
        if key in seen or len(found) >= MAX_SOURCES_PER_BLOCK:
            continue
        seen.add(key)
        if key.startswith(FACT_PREFIX) and key[len(FACT_PREFIX) :] in facts:
            fact = facts[key[len(FACT_PREFIX) :]]
            found.append(
                Source(
                    type="fact", id=fact.id, text=fact.text, url=fact.source_url, quote=fact.quote
                )
            )
        elif key in fields:
            found.append(Source(type="lead_field", field=key, value=fields[key]))
    return found


def values_used(text: str, fields: dict[str, str]) -> list[str]:
    """The lead fields whose value appears in `text` (case-insensitive, 2+ characters): how
    a rule-based writer (the offline model) names its sources honestly."""
    lowered = text.casefold()
    return [key for key, value in fields.items() if len(value) >= 2 and value.casefold() in lowered]
