from __future__ import annotations

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
