from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from coldcraft.skeletons.schema import Issue, Lead, Skeleton


class LintRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    skeleton: Skeleton
    sample_lead: Lead | None = None
    sequence_position: int = Field(default=0, ge=0, le=100)


class RenderedPreview(BaseModel):
    subject: str
    body: str


class LintResponse(BaseModel):
    passed: bool
    issues: list[Issue]
    rendered: RenderedPreview


class JudgeEmailRequest(BaseModel):
    """A written email (merge fields filled, no AI blocks) to judge as this account's judge."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=1000)
    body: str = Field(min_length=1, max_length=20_000)
    sequence_position: int = Field(default=0, ge=0, le=100)


class JudgeEmailResponse(BaseModel):
    passed: bool
    issues: list[Issue]


class RuleOut(BaseModel):
    rule: str
    checks: str
    severity: str
    threshold: str
    applies_to: str


class RulesResponse(BaseModel):
    """The judge's rules (the catalog, quoting default thresholds) and the thresholds this
    account's judge applies (the configured ones with the workspace's house rules)."""

    rules: list[RuleOut]
    thresholds: dict[str, Any]


class LaunchCheckProblem(BaseModel):
    field: str
    message: str
    count: int | None = None
    message_ids: list[str] | None = None


class LaunchCheck(BaseModel):
    """What the launch gate would say now, with nothing changed (a dry run)."""

    campaign_id: uuid.UUID
    status: str
    can_launch: bool
    problems: list[LaunchCheckProblem]
