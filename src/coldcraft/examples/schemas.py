from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

MAX_LEADS = 50
MAX_CUSTOM_FIELDS = 50

Name = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=500)]
CustomKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
CustomValue = Annotated[str, StringConstraints(max_length=1000)] | int | float | bool | None
IDENTITY_FIELDS = ("first_name", "last_name", "full_name", "email", "linkedin_url", "company")


class LeadIn(BaseModel):
    """A lead to write a sample email for; every field optional, but it must be identifiable."""

    model_config = ConfigDict(extra="forbid")

    id: Name | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    full_name: Name | None = None
    email: Text | None = None
    company: Text | None = None
    position: Text | None = None
    headline: Text | None = None
    linkedin_url: Text | None = None
    custom_fields: dict[CustomKey, CustomValue] = Field(
        default_factory=dict, max_length=MAX_CUSTOM_FIELDS
    )

    @model_validator(mode="after")
    def _identifiable(self) -> LeadIn:
        if not any((getattr(self, name) or "").strip() for name in IDENTITY_FIELDS):
            raise PydanticCustomError(
                "lead_identity", "a lead needs a name, an email, a linkedin_url or a company"
            )
        return self


class PriorNode(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: Annotated[str, StringConstraints(max_length=40)] | None = None
    subject: Annotated[str, StringConstraints(max_length=1000)] | None = None
    body: Annotated[str, StringConstraints(max_length=20000)] | None = None


class SequenceContextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(ge=0, le=1000)
    total_nodes: int = Field(ge=1, le=1000)
    prior_nodes: list[PriorNode] = Field(default_factory=list, max_length=100)


class GenerateExamplesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    leads: list[LeadIn] = Field(min_length=1, max_length=MAX_LEADS)
    sequence_context: SequenceContextIn | None = Field(default=None, alias="sequenceContext")
    is_first_batch: bool | None = Field(default=None, alias="isFirstBatch")
