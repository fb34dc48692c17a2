"""Declared error responses for the OpenAPI document (every error uses the envelope)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = None


class ErrorEnvelope(BaseModel):
    error: ErrorBody


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    descriptions = {
        400: "Invalid request (`invalid_request`, `wrong_status`, `no_framework`)",
        401: "Missing, invalid or revoked API key",
        402: "Spend cap reached",
        403: "The API key lacks the scope this action needs (`insufficient_scope`)",
        404: "Not found (also another account's resource)",
        409: "Conflict (`conflict`, `session_busy`)",
        413: "Request body too large",
        429: "Rate limited",
        502: "Model provider failed",
    }
    # Every authenticated route can answer 403 `insufficient_scope` (api/scopes.py).
    declared = sorted({*codes, 403}) if 401 in codes else codes
    return {code: {"model": ErrorEnvelope, "description": descriptions[code]} for code in declared}


AUTH_ERRORS = errors(400, 401)
READ_ERRORS = errors(400, 401, 404)
WRITE_ERRORS = errors(400, 401, 404, 413)
