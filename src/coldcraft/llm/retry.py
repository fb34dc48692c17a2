"""A pydantic-ai `WrapperModel` that retries provider failures, and owns the whole attempt budget.

SDK clients are built with `max_retries=0`, so every attempt is counted here exactly once:
429, 5xx, 529, timeouts and connection errors are retried with exponential backoff and full
jitter, honouring the provider's `retry-after` / `retry-after-ms` (pydantic-ai parses both into
`ModelAPIError.retry_after`); 400/401/403/404 are never retried. When the budget is spent (or the
failure is not retryable) the failure surfaces as an `LLMError`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic_ai.exceptions import ModelAPIError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models import Model, ModelRequestParameters, StreamedResponse
from pydantic_ai.models.wrapper import WrapperModel
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import RunContext

from coldcraft.llm.errors import is_retryable, to_llm_error

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def delay(self, attempt: int, exc: BaseException) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        retry_after = exc.retry_after if isinstance(exc, ModelAPIError) else None
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)  # full jitter


class RetryingModel(WrapperModel):
    """Retries the wrapped model's requests according to a `RetryPolicy`."""

    def __init__(
        self, wrapped: Model, policy: RetryPolicy | None = None, *, sleep: Sleep | None = None
    ) -> None:
        super().__init__(wrapped)
        self.policy = policy or RetryPolicy()
        self._sleep: Sleep = sleep or asyncio.sleep

    async def request(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
    ) -> ModelResponse:
        attempt = 1
        while True:
            try:
                return await self.wrapped.request(
                    messages, model_settings, model_request_parameters
                )
            except ModelAPIError as exc:
                await self._after_failure(exc, attempt)
            attempt += 1

    @asynccontextmanager
    async def request_stream(
        self,
        messages: list[ModelMessage],
        model_settings: ModelSettings | None,
        model_request_parameters: ModelRequestParameters,
        run_context: RunContext[Any] | None = None,
    ) -> AsyncGenerator[StreamedResponse]:
        """Retries opening the stream; a stream that breaks after it started is not replayed."""
        attempt = 1
        while True:
            stack = AsyncExitStack()
            try:
                stream = await stack.enter_async_context(
                    self.wrapped.request_stream(
                        messages, model_settings, model_request_parameters, run_context
                    )
                )
                break
            except ModelAPIError as exc:
                await stack.aclose()
                await self._after_failure(exc, attempt)
            attempt += 1
        async with stack:
            yield stream

    async def _after_failure(self, exc: ModelAPIError, attempt: int) -> None:
        """Raise `LLMError` when giving up, else wait before the next attempt."""
        if not is_retryable(exc) or attempt >= self.policy.max_attempts:
            raise to_llm_error(exc, attempts=attempt) from exc
        delay = self.policy.delay(attempt, exc)
        log.warning(
            "model request failed (attempt %d/%d, retrying in %.2fs): %s",
            attempt,
            self.policy.max_attempts,
            delay,
            exc,
        )
        await self._sleep(delay)
