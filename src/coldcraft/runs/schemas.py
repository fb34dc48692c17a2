from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from coldcraft.store.models import Run

if TYPE_CHECKING:
    from coldcraft.runs.service import StartedRun

RunStatus = Literal["queued", "running", "completed", "failed", "cancelled"]


class RunProgress(BaseModel):
    total: int
    done: int
    failed: int


class RunUsage(BaseModel):
    input_tokens: int = 0  # includes the cache reads and writes below
    output_tokens: int = 0
    # Prompt caching at work (docs/llm.md): tokens read from / written to the provider's cache.
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    requests: int = 0
    cost_usd: float = 0.0


class RunError(BaseModel):
    code: str
    message: str


class RunOut(BaseModel):
    id: str = Field(examples=["run_01jd8x3k9q7m2v5t0c4b6n8p1r"])
    kind: str = Field(examples=["generate-email-examples"])
    status: RunStatus
    session_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    progress: RunProgress
    error: RunError | None = None
    usage: RunUsage
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @classmethod
    def from_run(cls, run: Run) -> RunOut:
        error = RunError.model_validate(run.error) if run.error else None
        return cls(
            id=run.id,
            kind=run.kind,
            status=run.status,
            session_id=run.session_id,
            campaign_id=run.campaign_id,
            progress=RunProgress(
                total=run.progress_total, done=run.progress_done, failed=run.progress_failed
            ),
            error=error,
            usage=RunUsage.model_validate(run.usage or {}),
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )

    @property
    def terminal(self) -> bool:
        return self.status in ("completed", "failed", "cancelled")


class RunResponse(BaseModel):
    run: RunOut


class RunsPage(BaseModel):
    runs: list[RunOut]
    total: int
    page: int
    limit: int


class TokenResponse(BaseModel):
    public_access_token: str = Field(alias="publicAccessToken")

    model_config = ConfigDict(populate_by_name=True)


class StartRunResponse(BaseModel):
    """202 body of every endpoint that starts a run."""

    model_config = ConfigDict(populate_by_name=True)

    run_id: str = Field(alias="runId", examples=["run_01jd8x3k9q7m2v5t0c4b6n8p1r"])
    public_access_token: str = Field(alias="publicAccessToken", examples=["tr_pat_..."])

    @classmethod
    def of(cls, started: StartedRun) -> StartRunResponse:
        return cls(run_id=started.run_id, public_access_token=started.public_access_token)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)
