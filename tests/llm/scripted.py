"""Scripted `FunctionModel`s for agent tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.retry import RetryingModel, RetryPolicy, Sleep

Step = Callable[[list[ModelMessage], AgentInfo], ModelResponse]


async def _no_sleep(_: float) -> None:
    return None


def resolved(
    fn: Step, *, name: str = "function:test", attempts: int = 3, sleep: Sleep | None = None
) -> ResolvedModel:
    """`fn` as a resolved model, inside the retry wrapper (which never really sleeps here)."""
    model = RetryingModel(
        FunctionModel(fn, model_name=name),
        RetryPolicy(max_attempts=attempts, base_delay=0.0),
        sleep=sleep or _no_sleep,
    )
    return ResolvedModel(model=model, name=name, provider="function", reason="test")


def call(name: str, args: dict[str, Any]) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart(tool_name=name, args=args)])


def text(content: str) -> ModelResponse:
    return ModelResponse(parts=[TextPart(content=content)])


def tool_returns(messages: list[ModelMessage], name: str | None = None) -> list[ToolReturnPart]:
    """Tool returns of the current turn (after the last user prompt)."""
    start = 0
    for index, message in enumerate(messages):
        if isinstance(message, ModelRequest) and any(
            isinstance(p, UserPromptPart) for p in message.parts
        ):
            start = index
    return [
        part
        for message in messages[start:]
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart) and (name is None or part.tool_name == name)
    ]


def user_prompts(messages: list[ModelMessage]) -> list[str]:
    return [
        str(part.content)
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, UserPromptPart)
    ]


def output_call(info: AgentInfo, blocks: list[str]) -> ModelResponse:
    """Answer through the agent's output tool (the writer's typed output)."""
    return call(info.output_tools[0].name, {"blocks": blocks})
