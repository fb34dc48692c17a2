"""Outbox requests and responses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from coldcraft.runs.schemas import StartRunResponse
from coldcraft.store.models import CampaignProspectMessage

if TYPE_CHECKING:
    from coldcraft.messages.service import ResolveResult

StatusFilter = Literal["draft", "pending", "sent", "all"]
SUBJECT_MAX = 1000
BODY_MAX = 20_000
PROSPECT_IDS_MAX = 10_000
# The resolve response and a GET page carry at most this many messages inline.
PAGE_MAX = 1000
# Keeps (page - 1) * limit a valid SQL OFFSET: a larger page overflowed into a 500.
PAGE_NUMBER_MAX = 1_000_000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolveRequest(_Request):
    action: Literal["resolve"]


class GenerateAIRequest(_Request):
    action: Literal["generate_ai"]
    node_id: uuid.UUID
    prospect_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=PROSPECT_IDS_MAX
    )


ReviewState = Literal["unreviewed", "approved", "rejected"]
Source = Literal["template", "example", "ai"]
NOTE_MAX = 2000


class MessageFilter(_Request):
    """Which messages: every key given must hold (the list's filters)."""

    status: StatusFilter = "all"
    node_id: uuid.UUID | None = None
    prospect_id: uuid.UUID | None = None
    review: ReviewState | None = None
    source: Source | None = None
    edited: StrictBool | None = None
    flagged: StrictBool | None = None
    rule: str | None = Field(default=None, max_length=100)  # the verdict names this rule
    missing_field: str | None = Field(default=None, max_length=200)


class _Selection(_Request):
    """Which messages an action works on: `message_ids`, or a `filter` (exactly one)."""

    message_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=PROSPECT_IDS_MAX
    )
    filter: MessageFilter | None = None

    @model_validator(mode="after")
    def _one_selection(self) -> _Selection:
        if (self.message_ids is None) == (self.filter is None):
            raise ValueError("give message_ids or a filter (exactly one)")
        return self


class ReviewRequest(_Selection):
    """approve | reject | restore the chosen messages: `message_ids`, or a `filter`."""

    action: Literal["approve", "reject", "restore"]
    note: str | None = Field(default=None, max_length=NOTE_MAX)


class RegenerateRequest(_Selection):
    """Rewrite chosen AI drafts (one AI node at a time) with an optional note for the writer;
    hand-edited drafts are left alone unless `include_edited`."""

    action: Literal["regenerate"]
    instruction: str | None = Field(default=None, max_length=NOTE_MAX)
    include_edited: StrictBool = False


class ReviewResult(BaseModel):
    action: str
    matched: int  # unsent messages selected
    changed: int  # of those, the ones this action changed


class ReviewSummary(BaseModel):
    """The review at a glance: counts of the selected messages (a message counts once per
    rule its verdict names and once per field it misses)."""

    total: int
    flagged: int
    edited: int
    awaiting_review: int  # what the campaign's review policy still asks a person to act on
    review_policy: str
    by_status: dict[str, int]
    by_review: dict[str, int]
    by_source: dict[str, int]
    by_rule: dict[str, int]
    by_missing_field: dict[str, int]


class MessageEdit(_Request):
    message_id: uuid.UUID
    subject: str | None = Field(default=None, max_length=SUBJECT_MAX)
    body_text: str | None = Field(default=None, max_length=BODY_MAX)

    @model_validator(mode="after")
    def _something_to_change(self) -> MessageEdit:
        if not ({"subject", "body_text"} & self.model_fields_set):
            raise ValueError("give subject and/or body_text")
        if "body_text" in self.model_fields_set and self.body_text is None:
            raise ValueError("body_text cannot be null")
        return self


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    prospect_id: uuid.UUID
    node_id: uuid.UUID
    subject: str | None
    body_text: str
    status: str
    manually_edited: bool
    missing_fields: list[str]
    source: str
    model: str | None
    quality: dict[str, Any] | None
    error: dict[str, Any] | None
    sources: list[dict[str, Any]] | None = None
    flagged: bool
    original_subject: str | None
    original_body: str | None
    edited_by: str | None
    edited_at: datetime | None
    review_state: ReviewState
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, message: CampaignProspectMessage) -> MessageOut:
        return cls.model_validate(message)


class MessageResponse(BaseModel):
    message: MessageOut


class MessagesPage(BaseModel):
    messages: list[MessageOut]
    total: int
    page: int
    limit: int


class ExampleReport(BaseModel):
    """An example resolve did not copy: unmatched (with the `reason`) or skipped (`error`)."""

    lead_id: str | None
    name: str | None
    company: str | None = None
    reason: str | None = None  # unmatched: why no prospect took it
    error: Any = None  # skipped: the example's error


class NodeCounts(BaseModel):
    node_id: uuid.UUID
    position: int
    type: str
    messages: int  # prospects with a usable message for this node after resolve
    missing: int  # prospects still without one (AI nodes: run generate_ai)


class ResolveCounts(BaseModel):
    prospects: int
    written: int  # rows inserted or changed by this call (0 when nothing changed)
    unchanged: int  # rendered rows that were already up to date, or protected (edited)
    nodes: list[NodeCounts]


class ResolveResponse(BaseModel):
    messages: list[MessageOut]
    total: int  # draft messages in the campaign; `messages` holds the first PAGE_MAX
    truncated: bool
    counts: ResolveCounts
    unmatched_examples: list[ExampleReport]
    skipped_examples: list[ExampleReport]

    @classmethod
    def build(cls, result: ResolveResult) -> ResolveResponse:
        outcome = result.outcome
        nodes = [
            NodeCounts(
                node_id=c.node.id,
                position=c.node.position,
                type=c.node.type,
                messages=c.messages,
                missing=c.missing,
            )
            for c in outcome.nodes
        ]
        counts = ResolveCounts(
            prospects=outcome.prospects,
            written=outcome.written,
            unchanged=outcome.rendered - outcome.written,
            nodes=nodes,
        )
        return cls(
            messages=[MessageOut.build(m) for m in result.messages],
            total=result.total,
            truncated=result.total > len(result.messages),
            counts=counts,
            unmatched_examples=[ExampleReport(**e) for e in outcome.unmatched],
            skipped_examples=[ExampleReport(**e) for e in outcome.skipped],
        )


class GenerateAIStarted(StartRunResponse):
    """The run started, and how many prospects it will write."""

    prospects: int
