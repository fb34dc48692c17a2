"""Request/response models for the framework chat (api.md "AI chat sessions")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coldcraft.prospects.schemas import check_custom_fields
from coldcraft.skeletons.schema import CustomValue, Lead, Skeleton
from coldcraft.writing.outcomes import WrittenResult

MAX_MESSAGE_CHARS = 8000
MAX_SAMPLE_LEADS = 20
MAX_TITLE_CHARS = 200
MAX_DRAFT_CHARS = 20_000
MAX_EXAMPLES = 200
MAX_VAR_NAMES = 200


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SampleLead(Lead):
    """A lead object in a request: every field optional, but it must identify someone."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("custom_fields")
    @classmethod
    def _custom(cls, value: dict[str, CustomValue]) -> dict[str, CustomValue]:
        return check_custom_fields(value)

    @model_validator(mode="after")
    def _identifies_someone(self) -> SampleLead:
        names = (self.first_name, self.last_name, self.full_name)
        fields = (*names, self.email, self.linkedin_url, self.company)
        if not any(value and value.strip() for value in fields):
            raise ValueError("a lead needs at least one of a name, email, linkedin_url or company")
        return self


SequenceContextIn = dict[str, Any]


class GenerateContentRequest(_Request):
    node_id: uuid.UUID
    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    sample_leads: list[SampleLead] | None = Field(default=None, max_length=MAX_SAMPLE_LEADS)
    sequence_context: SequenceContextIn | None = None


class TurnRequest(_Request):
    """The asynchronous turn: the same inputs, camelCase as the original product's /turn."""

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    available_var_names: list[str] | None = Field(
        default=None, max_length=MAX_VAR_NAMES, alias="availableVarNames"
    )
    sample_leads: list[SampleLead] | None = Field(
        default=None, max_length=MAX_SAMPLE_LEADS, alias="sampleLeads"
    )
    sequence_context: SequenceContextIn | None = Field(default=None, alias="sequenceContext")

    @field_validator("available_var_names")
    @classmethod
    def _names(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not name or len(name) > 100 for name in value):
            raise ValueError("variable names must be 1..100 characters")
        return value


class GenerateContentResponse(BaseModel):
    session_id: uuid.UUID
    assistant_message: str
    skeleton: dict[str, Any] | None
    skeleton_updated: bool
    # Beyond the original's fields: which model wrote this ("offline" is the rule-based
    # stand-in, not a language model), so nobody mistakes one for the other.
    model: str | None = None


class ExampleLead(BaseModel):
    """Who an example was written for: its `lead_id` (see examples/leads.py) and the lead
    object as the request gave it."""

    lead_id: str | None = None
    lead: Lead | None = None


class GeneratedExample(WrittenResult, ExampleLead):
    """One sample email on a chat session (`generated_examples`): the typed contract the
    examples run writes and the outbox reads. Extra keys a client PATCHed in are kept."""

    model_config = ConfigDict(extra="allow")


class SessionCreate(_Request):
    campaign_id: uuid.UUID
    node_id: uuid.UUID


class SessionUpdate(_Request):
    """A partial update: only the keys present are applied (see `model_fields_set`)."""

    title: str | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    draft_subject: str | None = Field(default=None, max_length=MAX_DRAFT_CHARS)
    draft_body: str | None = Field(default=None, max_length=MAX_DRAFT_CHARS)
    skeleton: Skeleton | None = None
    generated_examples: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_EXAMPLES)


class ChatMessage(BaseModel):
    role: str
    content: str


class SessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    campaign_id: uuid.UUID
    node_id: uuid.UUID
    title: str | None
    messages: list[ChatMessage] | None
    skeleton: dict[str, Any] | None
    skeleton_history: list[dict[str, Any]] | None
    framework_version: int | None
    draft_subject: str | None
    draft_body: str | None
    generated_examples: list[dict[str, Any]] | None
    task_status: str | None
    last_run_id: str | None
    last_error: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime


class SessionResponse(BaseModel):
    session: SessionOut


class SessionList(BaseModel):
    sessions: list[SessionOut]


class Success(BaseModel):
    success: bool = True
