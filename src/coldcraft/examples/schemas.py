from __future__ import annotations

from typing import Annotated

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    model_validator,
)
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
    """Where the email sits in the sequence. Every key is optional and no range is fixed (the
    original product's docs fix none, and their example sends 4503599627370495): what is
    missing comes from the campaign's sequence, and numbers are clamped to it when the
    writer's context is built (`writing.inputs.load_writer_context`). Only a value of the
    wrong JSON type is refused."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    position: StrictInt | None = None
    total_nodes: StrictInt | None = Field(
        default=None, validation_alias=AliasChoices("total_nodes", "totalNodes")
    )
    prior_nodes: list[PriorNode] | None = Field(
        default=None,
        max_length=100,
        validation_alias=AliasChoices("prior_nodes", "priorNodes"),
    )


class GenerateExamplesRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    leads: list[LeadIn] = Field(min_length=1, max_length=MAX_LEADS)
    sequence_context: SequenceContextIn | None = Field(default=None, alias="sequenceContext")
    # Strict: "yes" or 1 is a 400, never a coerced true (every boolean of the API).
    is_first_batch: StrictBool | None = Field(default=None, alias="isFirstBatch")
