"""Sequence node requests and responses."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from coldcraft.store.models import SequenceNode

NodeType = Literal["connection_request", "message", "email", "delay", "ai", "end"]
OutputType = Literal["email", "linkedin_message"]

SUBJECT_MAX = 1000
BODY_MAX = 20_000
PURPOSE_MAX = 2000


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AINodeIn(_Request):
    purpose: str | None = Field(default=None, max_length=PURPOSE_MAX)
    output_type: OutputType | None = None


class NodeContent(_Request):
    """Content fields; a field that does not apply to the node's type is ignored."""

    subject: str | None = Field(default=None, max_length=SUBJECT_MAX)
    body: str | None = Field(default=None, max_length=BODY_MAX)
    delay_days: int | None = Field(default=None, ge=0, le=365)
    delay_hours: int | None = Field(default=None, ge=0, le=23)
    delay_minutes: int | None = Field(default=None, ge=0, le=59)
    ai_node: AINodeIn | None = None


class NodeCreate(NodeContent):
    type: NodeType
    position: int | None = Field(default=None, ge=0)


class NodeUpdate(NodeContent):
    """Partial update: `type` and `position` cannot change here (unknown fields -> 400)."""


class NodeMove(_Request):
    node_id: uuid.UUID = Field(alias="nodeId")
    to_position: int = Field(ge=0, alias="toPosition")


class NodeDelete(_Request):
    node_id: uuid.UUID = Field(alias="nodeId")


class AINodeOut(BaseModel):
    purpose: str = ""
    output_type: OutputType


class NodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    campaign_id: uuid.UUID
    position: int
    type: NodeType
    subject: str | None
    body: str | None
    delay_days: int
    delay_hours: int
    delay_minutes: int
    ai_node: AINodeOut | None


class TemplateWarningOut(BaseModel):
    """A merge field of a template step that no prospect fills (it blocks launch)."""

    model_config = ConfigDict(from_attributes=True)

    node_id: uuid.UUID
    field: str
    rule: str
    message: str
    name: str
    suggestion: str | None


class NodesResponse(BaseModel):
    sequence_nodes: list[NodeOut]
    warnings: list[TemplateWarningOut] = []

    @classmethod
    def build(cls, nodes: list[SequenceNode]) -> NodesResponse:
        return cls(sequence_nodes=[NodeOut.model_validate(node) for node in nodes])


class NodeResponse(BaseModel):
    node: NodeOut
    warnings: list[TemplateWarningOut] = []
