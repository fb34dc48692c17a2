"""Workspace context: one free-form JSON object per account."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

CONTEXT_MAX_BYTES = 64 * 1024


class ContextPut(BaseModel):
    """`{"context": {...}}` replaces the context; `{"context": null}` clears it."""

    model_config = ConfigDict(extra="forbid")

    context: dict[str, Any] | None

    @field_validator("context")
    @classmethod
    def _size_cap(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if (
            value is not None
            and len(json.dumps(value, ensure_ascii=False).encode()) > CONTEXT_MAX_BYTES
        ):
            raise ValueError(f"context must serialize to at most {CONTEXT_MAX_BYTES} bytes")
        return value


class ContextResponse(BaseModel):
    context: dict[str, Any] | None
