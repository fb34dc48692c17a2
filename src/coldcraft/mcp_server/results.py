"""Compact results an agent can act on: counts first, at most `PAGE` items inline with a
cursor for more, the ids the next call needs, and a one-line `next_step`.

Every model here is built from the API's own response models (parsed from its JSON), so a
field renamed in the API breaks here, in a test, not silently in an agent's prompt.
"""

from __future__ import annotations

import uuid
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from coldcraft.campaigns.schemas import CampaignListItem, CampaignOut
from coldcraft.messages.schemas import MessageOut, NodeCounts, ReviewResult, ReviewSummary
from coldcraft.quotes.schemas import Quote
from coldcraft.runs.schemas import RunOut
from coldcraft.sequences.schemas import NodeOut, TemplateWarningOut

PAGE = 20
MAX_PAGE = 1_000_000  # the API's page limit
PREVIEW_CHARS = 400


class Step(BaseModel):
    """One sequence step, without its full text."""

    id: uuid.UUID
    position: int
    type: str
    subject: str | None = None
    body_preview: str | None = None
    purpose: str | None = None  # an AI step's brief for the writer

    @classmethod
    def of(cls, node: NodeOut) -> Step:
        return cls(
            id=node.id,
            position=node.position,
            type=node.type,
            subject=node.subject,
            body_preview=_cut(node.body),
            purpose=node.ai_node.purpose if node.ai_node else None,
        )


class CampaignBrief(BaseModel):
    id: uuid.UUID
    name: str
    type: str
    status: str
    review_policy: str
    research: bool
    sender_account_ids: list[uuid.UUID]
    steps: int | None = None

    @classmethod
    def of(cls, campaign: CampaignOut, steps: int | None = None) -> CampaignBrief:
        return cls(
            id=campaign.id,
            name=campaign.name,
            type=campaign.type,
            status=campaign.status,
            review_policy=campaign.review_policy,
            research=campaign.research,
            sender_account_ids=campaign.sender_account_ids,
            steps=steps,
        )

    @classmethod
    def of_item(cls, item: CampaignListItem) -> CampaignBrief:
        return cls.of(item, item.node_count)


class CampaignList(BaseModel):
    total: int
    campaigns: list[CampaignBrief]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class CampaignView(BaseModel):
    campaign: CampaignBrief
    steps: list[Step]
    prospects_by_status: dict[str, int] = {}
    ai_step_ids: list[uuid.UUID] = Field(description="The AI steps chat_framework writes for")
    warnings: list[TemplateWarningOut] = []
    next_step: str | None = None


class ProspectsAdded(BaseModel):
    imported: int
    duplicates: int
    next_step: str


class ChatReply(BaseModel):
    session_id: uuid.UUID
    assistant_message: str
    skeleton_updated: bool
    skeleton: dict[str, Any] | None
    spend: Quote = Field(description="What this turn was quoted to spend before it ran")
    next_step: str


class RunStarted(BaseModel):
    run_id: str
    items: int = Field(description="Leads (or drafts) the run will write")
    spend: Quote = Field(description="What the run was quoted to spend before it started")
    next_step: str


class RunView(BaseModel):
    run: RunOut
    finished: bool
    next_step: str | None = None


class ResolveSummary(BaseModel):
    drafts: int = Field(description="Draft messages in the campaign now")
    prospects: int
    written: int
    steps: list[NodeCounts]
    unmatched_examples: int
    skipped_examples: int
    next_step: str


class ReviewView(ReviewSummary):
    """The API's review summary, and what to do next."""

    next_step: str


class ReviewDone(ReviewResult):
    """The API's answer to approve / reject, and what to do next."""

    next_step: str


class Draft(BaseModel):
    id: uuid.UUID
    prospect_id: uuid.UUID
    step_id: uuid.UUID
    status: str
    review_state: str
    flagged: bool
    source: str
    subject: str | None
    body: str = Field(description=f"The body, cut to {PREVIEW_CHARS} characters")
    passed: bool | None
    rules: list[str] = Field(description="Rules the judge named")
    missing_fields: list[str]
    error: str | None
    evidence: list[str] = Field(
        default_factory=list,
        description="Per AI block, what it rests on: lead fields and company facts (with "
        "their page); 'general' when it uses no lead data",
    )

    @classmethod
    def of(cls, message: MessageOut) -> Draft:
        quality = message.quality or {}
        issues = quality.get("issues") or []
        error = message.error or {}
        return cls(
            id=message.id,
            prospect_id=message.prospect_id,
            step_id=message.node_id,
            status=message.status,
            review_state=message.review_state,
            flagged=message.flagged,
            source=message.source,
            subject=message.subject,
            body=_cut(message.body_text) or "",
            passed=quality.get("passed"),
            rules=[str(issue.get("rule")) for issue in issues if isinstance(issue, dict)],
            missing_fields=message.missing_fields,
            error=str(error.get("code")) if error else None,
            evidence=[_evidence(block) for block in message.sources or []],
        )


def _evidence(block: dict[str, Any]) -> str:
    """One line per AI block: `block 1 (Opener): company=Acme; fact "..." (https://...)`."""
    found = []
    for source in block.get("sources") or []:
        if source.get("type") == "fact":
            found.append(f'fact "{_cut(source.get("text"), 120)}" ({source.get("url")})')
        else:
            found.append(f"{source.get('field')}={_cut(source.get('value'), 60)}")
    head = f"block {block.get('block')} ({block.get('section') or 'AI'})"
    return f"{head}: {'; '.join(found) or 'general'}"


class DraftPage(BaseModel):
    total: int
    drafts: list[Draft]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class LaunchAnswer(BaseModel):
    launched: bool
    campaign_id: uuid.UUID
    status: str
    can_launch: bool
    problems: list[dict[str, Any]]
    would: str = Field(description="What launching does (or did)")
    next_step: str | None = None


class ExportLink(BaseModel):
    campaign_id: uuid.UUID
    rows: int
    uri: str
    next_step: str


def _cut(text: str | None, limit: int = PREVIEW_CHARS) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def page_of(cursor: str | None) -> int:
    """Cursors are page numbers (1-based) as strings, as `next_cursor` gives them."""
    if not cursor:
        return 1
    if not cursor.isdigit() or not 1 <= int(cursor) <= MAX_PAGE:
        raise ToolError(f"invalid_request: cursor {cursor[:40]!r} is not one this tool gave")
    return int(cursor)


def next_cursor(page: int, total: int) -> str | None:
    return str(page + 1) if page * PAGE < total else None
