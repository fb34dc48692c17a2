"""Campaign requests and responses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)

from coldcraft.sequences.schemas import NodeOut
from coldcraft.store.models import Campaign, SequenceNode

CampaignType = Literal["email", "linkedin"]
CampaignStatus = Literal["draft", "launching", "active", "paused", "completed"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Signature = Annotated[str, StringConstraints(max_length=5000)]
DailyLimit = Annotated[int, Field(ge=1, le=100_000)]
SenderIds = Annotated[list[uuid.UUID], Field(max_length=50)]
# Which drafts a person must act on before launch (see docs/outbox.md "Review").
ReviewPolicy = Literal["none", "flagged", "all"]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: CampaignType
    name: Name
    sender_account_ids: SenderIds | None = None
    signature: Signature | None = None
    daily_limit: DailyLimit | None = None
    review_policy: ReviewPolicy = "flagged"
    research: StrictBool = Field(
        default=False,
        description="Research each prospect's company site before writing AI drafts "
        "(facts with their sources, cached per domain; see docs/research.md).",
    )


class CampaignUpdate(BaseModel):
    """Partial: only the fields sent change (`null` clears signature/daily_limit)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    signature: Signature | None = None
    daily_limit: DailyLimit | None = None
    sender_account_ids: SenderIds | None = None
    review_policy: ReviewPolicy | None = None
    research: StrictBool | None = None

    @field_validator("name", "review_policy", "research")
    @classmethod
    def _not_null(cls, value: str | bool | None) -> str | bool:
        # Runs only for an explicit value: an omitted one keeps the current value.
        if value is None:
            raise ValueError("cannot be null")
        return value


class CampaignOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    type: CampaignType
    name: str
    status: CampaignStatus
    signature: str | None
    daily_limit: int | None
    sender_account_ids: list[uuid.UUID]
    review_policy: ReviewPolicy
    research: bool
    created_at: datetime
    updated_at: datetime


class CampaignWithNodes(CampaignOut):
    sequence_nodes: list[NodeOut]


class CampaignListItem(CampaignOut):
    node_count: int


def _nodes(nodes: list[SequenceNode]) -> list[NodeOut]:
    return [NodeOut.model_validate(node) for node in nodes]


def _fields(campaign: Campaign) -> dict[str, object]:
    return CampaignOut.model_validate(campaign).model_dump()


class CampaignCreated(BaseModel):
    campaign: CampaignWithNodes

    @classmethod
    def build(cls, campaign: Campaign, nodes: list[SequenceNode]) -> CampaignCreated:
        fields = {**_fields(campaign), "sequence_nodes": _nodes(nodes)}
        return cls(campaign=CampaignWithNodes.model_validate(fields))


class CampaignResponse(BaseModel):
    campaign: CampaignOut

    @classmethod
    def build(cls, campaign: Campaign) -> CampaignResponse:
        return cls(campaign=CampaignOut.model_validate(campaign))


class CampaignDetail(BaseModel):
    campaign: CampaignOut
    sequence_nodes: list[NodeOut]
    prospects_by_status: dict[str, int]

    @classmethod
    def build(
        cls, campaign: Campaign, nodes: list[SequenceNode], by_status: dict[str, int]
    ) -> CampaignDetail:
        return cls(
            campaign=CampaignOut.model_validate(campaign),
            sequence_nodes=_nodes(nodes),
            prospects_by_status=by_status,
        )


class CampaignsResponse(BaseModel):
    campaigns: list[CampaignListItem]

    @classmethod
    def build(cls, rows: list[tuple[Campaign, int]]) -> CampaignsResponse:
        items = [CampaignListItem.model_validate({**_fields(c), "node_count": n}) for c, n in rows]
        return cls(campaigns=items)


class SuccessResponse(BaseModel):
    success: bool = True


@dataclass(frozen=True)
class LaunchProblem:
    """One unmet launch precondition: the 400's `details` entry (`field`, `message`).

    Here rather than in `launch.py` because the outbox builds them too, and the outbox must
    not import the launch module (the launch module imports the outbox)."""

    field: str
    message: str
    count: int | None = None  # how many messages block, for a message-level problem
    message_ids: tuple[str, ...] | None = None  # a few of them

    def detail(self) -> dict[str, object]:
        """The 400's `details` entry: `field` and `message`, plus counts and ids when known."""
        detail: dict[str, object] = {"field": self.field, "message": self.message}
        if self.count is not None:
            detail["count"] = self.count
        if self.message_ids is not None:
            detail["message_ids"] = list(self.message_ids)
        return detail
