"""Pure pieces of `resolve`: rendering template nodes and matching examples to prospects.

No database here: the service streams prospects in batches and feeds them through these.
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from coldcraft.chat.schemas import GeneratedExample
from coldcraft.llm.sources import BlockSources
from coldcraft.prospects.service import prospect_service
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender
from coldcraft.skeletons.template import MergeValues, compile_template
from coldcraft.store.base import utcnow
from coldcraft.store.models import Campaign, Prospect, SequenceNode

Row = dict[str, Any]


def normalise_name(value: str | None) -> str:
    """Lower-case, accents folded, whitespace collapsed: 'José  GARCÍA' -> 'jose garcia'."""
    if not value:
        return ""
    decomposed = unicodedata.normalize("NFKD", value)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(folded.casefold().split())


def name_key(first: str | None, last: str | None, full: str | None) -> str:
    """First + last when either is known, else the full name."""
    joined = normalise_name(f"{first or ''} {last or ''}")
    return joined or normalise_name(full)


def _identity_keys(prospect: Prospect) -> list[str]:
    keys = [str(prospect.id)]
    keys += [v.strip().lower() for v in (prospect.email, prospect.linkedin_url) if v]
    return keys


# ---- template nodes ------------------------------------------------------------------


class NodeText:
    """A template node's subject or body, parsed once for all of a campaign's prospects
    (`skeletons.template.compile_template`): resolve renders it for every prospect, and the
    parse is more than half of a render. Output is `render()`'s, byte for byte."""

    def __init__(self, text: str) -> None:
        self.compiled = compile_template(text)

    def render(self, values: LeadValues) -> tuple[str, list[str]]:
        rendered = self.compiled.render(values)
        return rendered.text, rendered.missing_fields


LeadValues = MergeValues  # one lead's merge values, shared by all of its nodes


@dataclass(frozen=True)
class RenderContext:
    sender: Sender | None
    campaign: CampaignInfo

    def values(self, lead: Lead) -> LeadValues:
        return MergeValues(lead, self.sender, self.campaign)


@dataclass(frozen=True)
class TemplateNode:
    node: SequenceNode
    subject: NodeText | None  # email nodes only
    body: NodeText

    @classmethod
    def compile(cls, node: SequenceNode) -> TemplateNode:
        subject = NodeText(node.subject or "") if node.type == "email" else None
        return cls(node, subject, NodeText(node.body or ""))

    def row(self, values: LeadValues) -> Row:
        """The draft of this node for one lead (a subject only on email nodes)."""
        body, missing = self.body.render(values)
        subject = None
        if self.subject is not None:
            subject, subject_missing = self.subject.render(values)
            missing = list(dict.fromkeys([*subject_missing, *missing]))
        return {
            "subject": subject,
            "body_text": body,
            "missing_fields": missing,
            "source": "template",
            "model": None,
            "quality": None,
            "usage": None,
            "error": None,
            "sources": None,
        }


# ---- examples (AI nodes) -------------------------------------------------------------


def example_row(example: GeneratedExample, *, with_subject: bool) -> Row:
    subject = example.subject if with_subject else None
    return {
        "subject": subject or ("" if with_subject else None),
        "body_text": example.body or "",
        "missing_fields": [],
        "source": "example",
        "model": example.model,
        "quality": _json(example.quality),
        "usage": _json(example.usage),
        "error": None,
        "sources": _sources(example.sources),
    }


def _json(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")


def _sources(sources: list[BlockSources] | None) -> list[dict[str, Any]] | None:
    return None if sources is None else [s.model_dump(mode="json") for s in sources]


def _lead(example: GeneratedExample) -> Lead:
    return example.lead or Lead()


def _example_name(example: GeneratedExample) -> str:
    lead = _lead(example)
    key = name_key(lead.first_name, lead.last_name, lead.full_name)
    lead_id = example.lead_id or ""
    if not key and lead_id.startswith("name:"):
        key = normalise_name(lead_id.removeprefix("name:"))
    return key


def _lower(value: Any) -> str:
    return str(value).strip().lower() if value else ""


def _usable(example: GeneratedExample) -> bool:
    return example.error is None and bool(example.body)


def _conflicts(example: GeneratedExample, prospect: Prospect) -> bool:
    """A name match is refused when both sides name a different email or profile URL."""
    lead = _lead(example)
    for ours, theirs in (
        (prospect.email, lead.email),
        (prospect.linkedin_url, lead.linkedin_url),
    ):
        if ours and theirs and _lower(ours) != _lower(theirs):
            return True
    return False


def _display_name(example: GeneratedExample) -> str | None:
    lead = _lead(example)
    name = " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return name or lead.full_name or None


def _report(example: GeneratedExample, reason: str | None = None) -> dict[str, Any]:
    report: dict[str, Any] = {"lead_id": example.lead_id, "name": _display_name(example)}
    report["company"] = _lead(example).company or None
    if reason is not None:
        report["reason"] = reason
    return report


def _names_an_identity(example: GeneratedExample) -> bool:
    """Its lead_id is a prospect id, an email or a LinkedIn URL (not `name:`/`company:`)."""
    lead_id = example.lead_id or ""
    return bool(lead_id) and not lead_id.startswith(("name:", "company:"))


NAMESAKES_KEPT = 4  # companies of namesakes kept per example, to explain a miss


@dataclass
class ExampleMatcher:
    """Finds the generated example for a prospect, and says why an example found none.

    By lead_id first: the prospect's id, email or LinkedIn URL. Else by normalised first +
    last name AND normalised company: a name alone never matches, and an example never
    crosses companies (two Sarah Lees at Acme and Globex are two people). A name match is
    refused when both sides give a different email or LinkedIn URL, and an example whose
    lead_id is another prospect's id (`bound_ids`) belongs to that prospect only.
    """

    examples: list[GeneratedExample]
    bound_ids: set[str] = field(default_factory=set)
    _by_key: dict[str, int] = field(default_factory=dict, init=False)
    _by_person: dict[tuple[str, str], list[int]] = field(default_factory=dict, init=False)
    _by_name: dict[str, list[int]] = field(default_factory=dict, init=False)
    _used: set[int] = field(default_factory=set, init=False)
    # Per unused example: the companies of the prospects with its name (for the reason).
    _namesakes: dict[int, list[str]] = field(default_factory=dict, init=False)
    _refused: set[int] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        for index, example in enumerate(self.examples):
            if not _usable(example):
                continue
            lead_id = _lower(example.lead_id)
            if lead_id:
                self._by_key[lead_id] = index
            name = _example_name(example)
            if not name or lead_id in self.bound_ids:
                continue
            self._by_name.setdefault(name, []).append(index)
            company = normalise_name(_lead(example).company)
            if company:
                self._by_person.setdefault((name, company), []).append(index)

    def match(self, prospect: Prospect) -> GeneratedExample | None:
        index = self._match_index(prospect)
        if index is None:
            return None
        self._used.add(index)
        return self.examples[index]

    def _match_index(self, prospect: Prospect) -> int | None:
        for key in _identity_keys(prospect):
            if key in self._by_key:
                return self._by_key[key]
        name = name_key(prospect.first_name, prospect.last_name, prospect.name)
        if not name:
            return None
        company = normalise_name(prospect.company)
        for index in self._by_name.get(name, []):
            seen = self._namesakes.setdefault(index, [])
            if self._company(index) != company and len(seen) < NAMESAKES_KEPT:
                seen.append(prospect.company or "no company")
        for index in self._by_person.get((name, company), []) if company else []:
            if not _conflicts(self.examples[index], prospect):
                return index
            self._refused.add(index)
        return None

    def _company(self, index: int) -> str:
        return normalise_name(_lead(self.examples[index]).company)

    def unmatched(self) -> list[dict[str, Any]]:
        """Usable examples no prospect took, each with the reason."""
        return [
            _report(e, self._reason(i, e))
            for i, e in enumerate(self.examples)
            if i not in self._used and _usable(e)
        ]

    def _reason(self, index: int, example: GeneratedExample) -> str:
        name, company = _display_name(example), _lead(example).company
        if _names_an_identity(example):
            by_id = f"no prospect has the id, email or LinkedIn URL {example.lead_id!r}"
            if not (name and company):
                return by_id
            return f"{by_id}, and {self._name_reason(index, name, company)}"
        if not name:
            return "the example's lead has no name, email or LinkedIn URL to match by"
        if not company:
            return "the example's lead has no company, and a name alone never matches"
        return self._name_reason(index, name, company)

    def _name_reason(self, index: int, name: str, company: str) -> str:
        if index in self._refused:
            return f"the {name} at {company} has another email or LinkedIn URL"
        elsewhere = list(dict.fromkeys(self._namesakes.get(index, [])))
        if elsewhere:
            listed = ", ".join(elsewhere[:3]) + (", ..." if len(elsewhere) > 3 else "")
            return f"no {name} at {company}: the prospects with that name are at {listed}"
        return f"no prospect named {name} at {company}"

    def skipped(self) -> list[dict[str, Any]]:
        """Examples that failed (an `error` instead of a body): never copied."""
        return [
            {**_report(e), "error": _json(e.error) or "no body"}
            for e in self.examples
            if not _usable(e)
        ]


def uuid_lead_ids(examples: list[GeneratedExample]) -> list[uuid.UUID]:
    """The examples' lead_ids that are UUIDs (candidate prospect ids)."""
    ids = []
    for example in examples:
        try:
            ids.append(uuid.UUID(str(example.lead_id)))
        except ValueError:
            continue
    return ids


# ---- one campaign's plan -------------------------------------------------------------


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` random (version 4) UUIDs from one urandom call: uuid4() per row is a
    syscall each, which shows at 50,000 rows."""
    data = os.urandom(16 * count)
    return [uuid.UUID(bytes=data[i * 16 : i * 16 + 16], version=4) for i in range(count)]


def is_ai_email(node: SequenceNode) -> bool:
    return bool((node.ai_node or {}).get("output_type", "email") == "email")


@dataclass
class ResolvePlan:
    """What resolve writes for one campaign: template nodes and AI nodes with examples."""

    campaign: Campaign
    templates: list[TemplateNode]
    matchers: dict[uuid.UUID, tuple[SequenceNode, ExampleMatcher]]
    ctx: RenderContext

    def rows(self, prospects: list[Prospect]) -> tuple[list[Row], list[Row]]:
        rendered: list[Row] = []
        copied: list[Row] = []
        for prospect in prospects:
            values = self.ctx.values(prospect_service.to_lead(prospect))
            for template in self.templates:
                rendered.append(
                    {
                        "prospect_id": prospect.id,
                        "node_id": template.node.id,
                        **template.row(values),
                    }
                )
            for node, matcher in self.matchers.values():
                example = matcher.match(prospect)
                if example is not None:
                    row = example_row(example, with_subject=is_ai_email(node))
                    copied.append({"prospect_id": prospect.id, "node_id": node.id, **row})
        return self._keyed(rendered), self._keyed(copied)

    def _keyed(self, rows: list[Row]) -> list[Row]:
        now = utcnow()
        fixed = {"campaign_id": self.campaign.id, "status": "draft", "manually_edited": False}
        for row, new_id in zip(rows, new_ids(len(rows)), strict=True):
            row.update(fixed, id=new_id, created_at=now, updated_at=now)
        return rows
