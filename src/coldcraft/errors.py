"""The one error hierarchy. Services raise these; one handler renders the envelope."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 500
    code = "internal"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class InvalidRequest(AppError):
    status_code = 400
    code = "invalid_request"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class InsufficientScope(AppError):
    """The key is valid but lacks the scope this action needs (`read`, `write`, `launch`)."""

    status_code = 403
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"This API key lacks the '{scope}' scope this action needs",
            details=[{"field": "scope", "message": scope}],
        )
        self.scope = scope


class PaymentRequired(AppError):
    status_code = 402
    code = "payment_required"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(AppError):
    status_code = 405
    code = "method_not_allowed"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class SessionBusy(Conflict):
    code = "session_busy"

    def __init__(self, task_status: str) -> None:
        super().__init__(f"Session is busy ({task_status})")


class WrongStatus(InvalidRequest):
    code = "wrong_status"


class NoFramework(InvalidRequest):
    code = "no_framework"

    def __init__(self) -> None:
        super().__init__("Session has no framework yet. Chat first to create one.")


class PayloadTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"


class InternalError(AppError):
    status_code = 500
    code = "internal"


class UpstreamError(AppError):
    status_code = 502
    code = "upstream_error"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"
