"""Pure pieces of `resolve`: rendering template nodes and matching examples to prospects.

No database here: the service streams prospects in batches and feeds them through these.
"""

from __future__ import annotations

import os
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import Any

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


class CompiledTemplate:
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
    subject: CompiledTemplate | None  # email nodes only
    body: CompiledTemplate

    @classmethod
    def compile(cls, node: SequenceNode) -> TemplateNode:
        subject = CompiledTemplate(node.subject or "") if node.type == "email" else None
        return cls(node, subject, CompiledTemplate(node.body or ""))

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
        }


# ---- examples (AI nodes) -------------------------------------------------------------


def example_row(example: dict[str, Any], *, with_subject: bool) -> Row:
    subject = example.get("subject") if with_subject else None
    return {
        "subject": subject or ("" if with_subject else None),
        "body_text": example.get("body") or "",
        "missing_fields": [],
        "source": "example",
        "model": example.get("model"),
        "quality": example.get("quality"),
        "usage": example.get("usage"),
        "error": None,
    }


def _example_name(example: dict[str, Any]) -> str:
    lead = example.get("lead") or {}
    key = name_key(lead.get("first_name"), lead.get("last_name"), lead.get("full_name"))
    lead_id = str(example.get("lead_id") or "")
    if not key and lead_id.startswith("name:"):
        key = normalise_name(lead_id.removeprefix("name:"))
    return key


def _lower(value: Any) -> str:
    return str(value).strip().lower() if value else ""


def _conflicts(example: dict[str, Any], prospect: Prospect) -> bool:
    """A name match is refused when both sides name a different email or profile URL."""
    lead = example.get("lead") or {}
    for ours, theirs in (
        (prospect.email, lead.get("email")),
        (prospect.linkedin_url, lead.get("linkedin_url")),
    ):
        if ours and theirs and _lower(ours) != _lower(theirs):
            return True
    return False


def _report(example: dict[str, Any]) -> dict[str, Any]:
    lead = example.get("lead") or {}
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    return {"lead_id": example.get("lead_id"), "name": name or lead.get("full_name") or None}


@dataclass
class ExampleMatcher:
    """Finds the generated example for a prospect: by lead_id (the prospect id, or its
    email/LinkedIn URL), else by normalised first+last name. Every prospect sharing a
    name gets the example; an example whose lead_id is another campaign prospect's id
    (`bound_ids`) belongs to that prospect only."""

    examples: list[dict[str, Any]]
    bound_ids: set[str] = field(default_factory=set)
    _by_key: dict[str, int] = field(default_factory=dict, init=False)
    _by_name: dict[str, list[int]] = field(default_factory=dict, init=False)
    _used: set[int] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        for index, example in enumerate(self.examples):
            if example.get("error") or not example.get("body"):
                continue
            lead_id = _lower(example.get("lead_id"))
            if lead_id:
                self._by_key[lead_id] = index
            name = _example_name(example)
            if name and lead_id not in self.bound_ids:
                self._by_name.setdefault(name, []).append(index)

    def match(self, prospect: Prospect) -> dict[str, Any] | None:
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
        candidates = [
            i for i in self._by_name.get(name, []) if not _conflicts(self.examples[i], prospect)
        ]
        company = normalise_name(prospect.company)
        same_company = [i for i in candidates if company and self._company(i) == company]
        best = same_company or candidates
        return best[0] if best else None

    def _company(self, index: int) -> str:
        return normalise_name((self.examples[index].get("lead") or {}).get("company"))

    def unmatched(self) -> list[dict[str, Any]]:
        """Usable examples no prospect took."""
        return [
            _report(e)
            for i, e in enumerate(self.examples)
            if i not in self._used and not e.get("error") and e.get("body")
        ]

    def skipped(self) -> list[dict[str, Any]]:
        """Examples that failed (an `error` instead of a body): never copied."""
        return [
            {**_report(e), "error": e.get("error") or "no body"}
            for e in self.examples
            if e.get("error") or not e.get("body")
        ]


def uuid_lead_ids(examples: list[dict[str, Any]]) -> list[uuid.UUID]:
    """The examples' lead_ids that are UUIDs (candidate prospect ids)."""
    ids = []
    for example in examples:
        try:
            ids.append(uuid.UUID(str(example.get("lead_id"))))
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
