"""The retry wrapper and the error taxonomy, without the network."""

from __future__ import annotations

import pytest
from pydantic_ai import Agent
from pydantic_ai.exceptions import (
    ModelConnectionError,
    ModelHTTPError,
    ModelRequestTimeout,
    UnexpectedModelBehavior,
)
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.llm.errors import LLMError, is_retryable, to_llm_error
from coldcraft.llm.retry import RetryPolicy
from tests.llm.scripted import Step, resolved, text


def _failing(*errors: Exception) -> tuple[list[int], Step]:
    calls: list[int] = []

    def fn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return text("ok")

    return calls, fn


async def test_retryable_failures_are_retried_with_the_waits_the_policy_gives() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    calls, fn = _failing(
        ModelHTTPError(429, "m", headers={"retry-after": "2"}),
        ModelConnectionError("m", "reset"),
    )
    model = resolved(fn, sleep=sleep)
    result = await Agent(output_type=str).run("hi", model=model.model)
    assert result.output == "ok"
    assert len(calls) == 3
    assert waits[0] == 2.0  # retry-after wins
    assert waits[1] == 0.0  # base_delay is 0 in tests: full jitter of nothing


async def test_the_budget_counts_every_attempt_once() -> None:
    calls, fn = _failing(*(ModelHTTPError(503, "m") for _ in range(5)))
    with pytest.raises(LLMError) as caught:
        await Agent(output_type=str).run("hi", model=resolved(fn, attempts=2).model)
    assert len(calls) == 2
    assert caught.value.attempts == 2
    assert "after 2 attempts" in caught.value.message


def test_full_jitter_stays_under_the_exponential_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    error = ModelHTTPError(500, "m")
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        delays = [policy.delay(attempt, error) for _ in range(50)]
        assert all(0 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_retry_after_is_honoured_but_capped() -> None:
    policy = RetryPolicy(max_retry_after=30)
    assert policy.delay(1, ModelHTTPError(429, "m", headers={"retry-after-ms": "250"})) == 0.25
    assert policy.delay(1, ModelHTTPError(429, "m", headers={"retry-after": "600"})) == 30


@pytest.mark.parametrize(
    ("error", "code", "retryable"),
    [
        (ModelHTTPError(429, "m"), "rate_limited", True),
        (ModelHTTPError(500, "m"), "upstream_error", True),
        (ModelHTTPError(529, "m"), "upstream_error", True),
        (ModelHTTPError(504, "m"), "upstream_timeout", True),
        (ModelHTTPError(400, "m"), "upstream_bad_request", False),
        (ModelHTTPError(401, "m"), "upstream_auth", False),
        (ModelHTTPError(403, "m"), "upstream_auth", False),
        (ModelHTTPError(404, "m"), "upstream_bad_request", False),
        (ModelConnectionError("m", "refused"), "upstream_error", True),
        (ModelRequestTimeout("m", 5.0), "upstream_timeout", True),
        (UnexpectedModelBehavior("garbled"), "upstream_bad_output", False),
    ],
)
def test_failures_map_to_stable_codes(error: Exception, code: str, retryable: bool) -> None:
    mapped = to_llm_error(error)
    assert mapped.code == code
    assert mapped.retryable is retryable
    assert is_retryable(error) is retryable
    assert mapped.as_dict() == {"code": code, "message": mapped.message}


def test_an_llm_error_passes_through() -> None:
    original = LLMError("rate_limited", "slow down", retryable=True)
    assert to_llm_error(original) is original
