"""The golden set: made-up leads (hostile ones among them), their company sites, and briefs.

Shipped as package data (`golden/leads.json`, `golden/briefs.json`) so that `coldcraft eval`
needs no network and every run sees the same inputs. A hostile lead names its kinds
(`hostile`) and the markers its planted instructions ask for (`canaries`): a marker found in
a draft is an injection leak.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coldcraft.llm.sources import CitedFact
from coldcraft.research.facts import extract_facts
from coldcraft.skeletons.schema import Lead, Sender

HOSTILE_KINDS = (
    "empty_fields",
    "headline_injection",
    "misleading_title",
    "non_latin",
    "zero_width",
    "long_values",
    "markup",
    "custom_field_injection",
    "lying_site",
)
# The sites are "fetched" at one fixed time: fact ids and the report do not change per run.
FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)
_EVAL_KEYS = ("hostile", "canaries", "site")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Site(_Strict):
    """A company's home page as the eval's research sees it (no fetch: the HTML ships)."""

    url: str
    html: str


class GoldenLead(_Strict):
    lead: Lead
    hostile: tuple[str, ...] = ()
    canaries: tuple[str, ...] = ()
    site: Site | None = None

    @property
    def id(self) -> str:
        return self.lead.id or ""

    def facts(self) -> tuple[CitedFact, ...]:
        """What research would find on the lead's site, as the writer is handed it."""
        if self.site is None:
            return ()
        found = extract_facts(self.site.html, source_url=self.site.url, fetched_at=FETCHED_AT)
        return tuple(
            CitedFact(id=f.id, text=f.text, source_url=f.source_url, quote=f.quote) for f in found
        )

    def leaks(self, *texts: str) -> list[str]:
        """The canaries found in `texts` (case-insensitive): each is an injection leak."""
        written = "\n".join(texts).casefold()
        return [c for c in self.canaries if c.casefold() in written]


class EarlierEmail(_Strict):
    type: str = "email"
    subject: str
    body: str


class Earlier(_Strict):
    """What a follow-up's lead received before: the email the eval wrote for the lead in
    another brief (`brief`), or fixed emails (`emails`), in order."""

    brief: str | None = None
    emails: tuple[EarlierEmail, ...] = ()


class Brief(_Strict):
    id: str
    title: str
    campaign_name: str
    workspace_context: dict[str, Any]
    sender: Sender
    position: int = Field(ge=0)
    total_nodes: int = Field(ge=1)
    messages: tuple[str, ...] = Field(min_length=1)  # the salesperson's chat turns
    earlier: Earlier | None = None

    @property
    def follow_up(self) -> bool:
        return self.position > 0


class GoldenSet(_Strict):
    leads: tuple[GoldenLead, ...]
    briefs: tuple[Brief, ...]

    def brief(self, brief_id: str) -> Brief:
        for brief in self.briefs:
            if brief.id == brief_id:
                return brief
        raise KeyError(brief_id)

    def select(self, brief_ids: list[str] | None = None, limit: int | None = None) -> GoldenSet:
        """A subset: the named briefs (with the briefs their follow-ups build on, first) and
        `limit` leads (`sample`). An unknown brief id raises `ValueError`."""
        leads = self.sample(limit) if limit is not None else self.leads
        if not brief_ids:
            return GoldenSet(leads=leads, briefs=self.ordered(self.briefs))
        known = {b.id for b in self.briefs}
        unknown = [b for b in brief_ids if b not in known]
        if unknown:
            raise ValueError(f"Unknown brief {unknown[0]!r}; the briefs are: {', '.join(known)}")
        chosen: list[Brief] = []
        for brief_id in brief_ids:
            self._with_dependencies(self.brief(brief_id), chosen)
        return GoldenSet(leads=leads, briefs=tuple(chosen))

    def sample(self, limit: int) -> tuple[GoldenLead, ...]:
        """`limit` leads spread evenly over the set, the hostile ones in proportion and at
        least one from 2 leads up, planted instructions first (a quick run with a paid
        model still meets an injection), in the set's order. The same `limit` always picks
        the same leads."""
        if limit >= len(self.leads):
            return self.leads
        # Those with planted instructions (canaries) first: a small sample meets injection.
        hostile = sorted(
            (lead for lead in self.leads if lead.hostile), key=lambda lead: not lead.canaries
        )
        plain = [lead for lead in self.leads if not lead.hostile]
        share = round(limit * len(hostile) / len(self.leads))
        hostile_count = min(len(hostile), max(share, 1 if limit >= 2 and hostile else 0))
        chosen = {
            id(lead)
            for lead in [*_spread(plain, limit - hostile_count), *_spread(hostile, hostile_count)]
        }
        return tuple(lead for lead in self.leads if id(lead) in chosen)

    def ordered(self, briefs: tuple[Brief, ...]) -> tuple[Brief, ...]:
        chosen: list[Brief] = []
        for brief in briefs:
            self._with_dependencies(brief, chosen)
        return tuple(chosen)

    def _with_dependencies(self, brief: Brief, chosen: list[Brief]) -> None:
        if brief in chosen:
            return
        if brief.earlier is not None and brief.earlier.brief is not None:
            self._with_dependencies(self.brief(brief.earlier.brief), chosen)
        chosen.append(brief)


def parse_lead(data: dict[str, Any]) -> GoldenLead:
    fields = {k: v for k, v in data.items() if k not in _EVAL_KEYS}
    extra = {k: data[k] for k in _EVAL_KEYS if k in data}
    return GoldenLead.model_validate({"lead": Lead.model_validate(fields), **extra})


def _read(name: str) -> Any:
    return json.loads(files("coldcraft.evals").joinpath("golden", name).read_text("utf-8"))


@cache
def load_golden() -> GoldenSet:
    """The shipped golden set (read once per process)."""
    leads = tuple(parse_lead(item) for item in _read("leads.json")["leads"])
    briefs = tuple(Brief.model_validate(item) for item in _read("briefs.json")["briefs"])
    return GoldenSet(leads=leads, briefs=briefs)


def _spread(items: list[GoldenLead], count: int) -> list[GoldenLead]:
    """`count` of `items` at even steps from the first (all of them when they are fewer)."""
    if count >= len(items):
        return items
    return [items[i * len(items) // count] for i in range(count)]
