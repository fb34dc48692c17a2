"""The quote (`POST /api/credits/preview`): what an action would cost, before it starts."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from coldcraft.messages.schemas import PROSPECT_IDS_MAX, MessageFilter

QuotedAction = Literal["chat_turn", "generate_examples", "generate_ai", "regenerate"]
MAX_EXAMPLES = 50  # generate-examples' lead limit


class QuoteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: QuotedAction
    campaign_id: uuid.UUID
    node_id: uuid.UUID | None = None  # generate_ai: the AI node (chat_turn: its node)
    count: int | None = Field(default=None, ge=1, le=MAX_EXAMPLES)  # generate_examples: leads
    message_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=PROSPECT_IDS_MAX
    )
    filter: MessageFilter | None = None  # regenerate: the same selection as the action
    include_edited: StrictBool = False

    @model_validator(mode="after")
    def _what_each_action_needs(self) -> QuoteRequest:
        if self.action == "generate_examples" and self.count is None:
            raise ValueError("generate_examples: give count (the number of leads, 1..50)")
        if self.action == "generate_ai" and self.node_id is None:
            raise ValueError("generate_ai: give node_id (the AI node)")
        if self.action == "regenerate" and (self.message_ids is None) == (self.filter is None):
            raise ValueError("regenerate: give message_ids or a filter (exactly one)")
        return self


class Span(BaseModel):
    min: float
    max: float


class SpendLeft(BaseModel):
    cap_usd: float
    spent_usd: float  # this calendar month
    in_flight_usd: float  # what queued and running writer runs still have to do
    remaining_usd: float


class ResearchQuote(BaseModel):
    """What researching the leads' companies adds (the campaign's `research` is on): at
    most one model extraction per page read (two pages per company; none offline) and,
    with a search backend, one search call at its price (in `cost_usd`, not `requests`);
    nothing for a company already in the cache. Included in the quote's `cost_usd`."""

    model: str
    requests: Span
    search_calls: Span  # one per company with a search backend, else none
    cost_usd: Span


class Quote(BaseModel):
    """An estimate, not a promise: `requests` count a repair per lead at most (transport
    retries not included); cost comes from the model's list prices (0 when it has none, e.g.
    the offline model); duration from the run's concurrency and the provider limits."""

    action: QuotedAction
    model: str
    items: int  # leads (or turns) the action would write
    requests: Span
    cost_usd: Span
    duration_seconds: Span
    sufficient: bool  # the spend cap allows it (true without a cap)
    spend: SpendLeft | None  # null without a cap
    research: ResearchQuote | None = None  # null when the campaign does not research
