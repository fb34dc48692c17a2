"""The one error the LLM layer raises for provider failures: `LLMError(code, retryable)`.

Codes (stable, clients and services match on them):
- `rate_limited`: the provider kept answering 429 until the attempt budget ran out.
- `upstream_timeout`: the provider did not answer in time (SDK timeout or request deadline).
- `upstream_auth`: 401/403, the key is missing, wrong or lacks access. Never retried.
- `upstream_bad_request`: 400/404/413/422, the request itself was refused. Never retried.
- `upstream_quota`: the account's credits or quota are exhausted (402, billing errors).
- `upstream_bad_output`: the model kept answering in a shape the agent could not use.
- `upstream_error`: anything else (5xx, 529 overloaded, connection errors) after retries.
"""

from __future__ import annotations

from typing import Any

from pydantic_ai.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelHTTPError,
    ModelQuotaExceededError,
    ModelRequestTimeout,
    ModelTimeoutError,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
)

NEVER_RETRY_STATUSES = frozenset({400, 401, 402, 403, 404, 413, 422})
RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


class LLMError(Exception):
    """A provider call failed (after retries, when the failure was retryable)."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        retryable: bool = False,
        status_code: int | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.status_code = status_code
        self.attempts = attempts

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}

    def __repr__(self) -> str:
        return f"LLMError(code={self.code!r}, message={self.message!r}, attempts={self.attempts})"


def is_retryable(exc: BaseException) -> bool:
    """Whether sending the same request again may succeed (429, 5xx, 529, timeouts, network)."""
    if isinstance(exc, ModelQuotaExceededError):
        return False
    if isinstance(exc, ModelHTTPError):
        return exc.status_code in RETRY_STATUSES or exc.status_code >= 500
    return isinstance(exc, ModelConnectionError | ModelRequestTimeout)


def _code_for_status(status: int) -> str:
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "upstream_auth"
    if status == 402:
        return "upstream_quota"
    if status in (408, 504):
        return "upstream_timeout"
    if status in NEVER_RETRY_STATUSES:
        return "upstream_bad_request"
    return "upstream_error"


def _code_for(exc: BaseException) -> tuple[str, int | None]:
    if isinstance(exc, ModelQuotaExceededError):
        return "upstream_quota", getattr(exc, "status_code", None)
    if isinstance(exc, ModelHTTPError):
        return _code_for_status(exc.status_code), exc.status_code
    if isinstance(exc, ModelTimeoutError | ModelRequestTimeout | TimeoutError):
        return "upstream_timeout", None
    if isinstance(exc, UnexpectedModelBehavior | UsageLimitExceeded):
        return "upstream_bad_output", None
    return "upstream_error", None


def to_llm_error(exc: BaseException, *, attempts: int = 1) -> LLMError:
    """Translate a pydantic-ai / SDK failure into an `LLMError` (an `LLMError` passes through)."""
    if isinstance(exc, LLMError):
        return exc
    code, status = _code_for(exc)
    model = exc.model_name if isinstance(exc, ModelAPIError) else None
    where = f" from {model}" if model else ""
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    detail = _short(str(exc))
    message = (
        f"{_HUMAN[code]}{where}{tries}: {detail}" if detail else f"{_HUMAN[code]}{where}{tries}"
    )
    return LLMError(
        code, message, retryable=is_retryable(exc), status_code=status, attempts=attempts
    )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_HUMAN = {
    "rate_limited": "The model provider is rate limiting requests",
    "upstream_timeout": "The model provider did not answer in time",
    "upstream_auth": "The model provider refused the credentials",
    "upstream_quota": "The model provider account has no quota left",
    "upstream_bad_request": "The model provider rejected the request",
    "upstream_bad_output": "The model did not answer in the expected shape",
    "upstream_error": "The model provider failed",
}
