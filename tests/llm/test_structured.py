"""`request_output`: one typed answer through the direct API, with an agent's retry contract."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent
from pydantic_ai.exceptions import UnexpectedModelBehavior
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
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.usage import RequestUsage

from coldcraft.config import Settings
from coldcraft.llm.models import resolve_model
from coldcraft.llm.structured import OUTPUT_TOOL, OutputSpec, request_output
from tests.llm.fake_providers import FakeProvider, Reply, ToolCall


class Pair(BaseModel):
    """Two words."""

    words: list[str]


SPEC = OutputSpec(Pair, retries=2)
GOOD = {"words": ["a", "b"]}


def scripted(*responses: ModelResponse) -> tuple[FunctionModel, list[list[ModelMessage]]]:
    """A model answering with `responses` in turn; records what each request carried."""
    seen: list[list[ModelMessage]] = []

    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        assert [t.name for t in info.output_tools] == [OUTPUT_TOOL]
        assert info.allow_text_output is False
        seen.append(list(messages))
        return responses[len(seen) - 1]

    return FunctionModel(answer), seen


def call(args: object, call_id: str = "c1", tool: str = OUTPUT_TOOL) -> ModelResponse:
    part = ToolCallPart(tool, args, tool_call_id=call_id)  # type: ignore[arg-type]
    return ModelResponse(parts=[part], usage=RequestUsage(input_tokens=10, output_tokens=5))


def last_parts(messages: list[ModelMessage]) -> list[object]:
    last = messages[-1]
    assert isinstance(last, ModelRequest)
    return list(last.parts)


async def test_a_valid_call_is_one_request_with_the_instructions() -> None:
    model, seen = scripted(call(GOOD))
    output, usage = await request_output(model, SPEC, instructions="Be brief.", prompt="Go")
    assert output == Pair(words=["a", "b"])
    assert (usage.requests, usage.input_tokens, usage.output_tokens) == (1, 10, 5)
    first = seen[0][0]
    assert isinstance(first, ModelRequest)
    assert first.instructions == "Be brief."


async def test_invalid_arguments_are_answered_on_their_call_and_asked_again() -> None:
    model, seen = scripted(call({"words": "not a list"}, "bad"), call(GOOD, "ok"))
    output, usage = await request_output(model, SPEC, instructions="i", prompt="p")
    assert output.words == ["a", "b"]
    assert usage.requests == 2
    (retry,) = last_parts(seen[1])
    assert isinstance(retry, ToolReturnPart)
    assert (retry.tool_call_id, retry.outcome) == ("bad", "retried")
    errors = cast(list[dict[str, Any]], retry.content)
    assert errors[0]["loc"] == ("words",)
    assert isinstance(seen[1][1], ModelResponse)  # the rejected answer stays in the history


async def test_text_instead_of_the_tool_gets_retry_feedback() -> None:
    model, seen = scripted(ModelResponse(parts=[TextPart("Sure! a and b")]), call(GOOD))
    output, _ = await request_output(model, SPEC, instructions="i", prompt="p")
    assert output.words == ["a", "b"]
    (feedback,) = last_parts(seen[1])
    # The model renders retry feedback in the application's voice, fenced, not as a person.
    assert isinstance(feedback, UserPromptPart)
    assert "retry_feedback" in str(feedback.content)
    assert OUTPUT_TOOL in str(feedback.content)


async def test_an_unknown_tool_is_answered_and_a_valid_output_beside_it_wins() -> None:
    both = ModelResponse(
        parts=[ToolCallPart("search", {}, tool_call_id="s"), ToolCallPart(OUTPUT_TOOL, GOOD)]
    )
    model, _ = scripted(both)
    output, usage = await request_output(model, SPEC, instructions="i", prompt="p")
    assert output.words == ["a", "b"]
    assert usage.requests == 1
    model, seen = scripted(call({}, "s", tool="search"), call(GOOD))
    await request_output(model, SPEC, instructions="i", prompt="p")
    (answer,) = last_parts(seen[1])
    assert isinstance(answer, ToolReturnPart)
    assert answer.tool_call_id == "s"


async def test_the_retry_budget_ends_in_unexpected_model_behavior() -> None:
    model, seen = scripted(*(call({"words": 1}) for _ in range(5)))
    with pytest.raises(UnexpectedModelBehavior, match="maximum retries"):
        await request_output(model, SPEC, instructions="i", prompt="p")
    assert len(seen) == 3  # the first request and two retries


@pytest.mark.parametrize("kind", ["anthropic", "openai"])
async def test_a_rejected_call_is_answered_as_a_tool_result_on_the_wire(
    kind: str, request: pytest.FixtureRequest, llm_settings: Settings
) -> None:
    """The retry must be well-formed for the provider: a tool result for the rejected call."""
    fake: FakeProvider = request.getfixturevalue(f"{kind}_fake")
    fake.script(
        Reply(tool_calls=[ToolCall(OUTPUT_TOOL, {"words": "x"}, id="call_bad")]),
        Reply.output(GOOD),
    )
    name = "anthropic:claude-haiku-4-5" if kind == "anthropic" else "openai:gpt-4.1-mini"
    model = resolve_model("writer", llm_settings, override=name).model
    output, usage = await request_output(model, SPEC, instructions="Rules.", prompt="Go")
    assert output.words == ["a", "b"]
    assert usage.requests == 2
    assert usage.cost is not None  # priced with genai-prices, as an agent run would
    assert usage.cost > 0
    second = json.dumps(fake.requests[1].body["messages"])
    assert "call_bad" in second
    if kind == "anthropic":
        assert '"tool_result"' in second
        assert '"tool_use_id": "call_bad"' in second
    else:
        assert '"role": "tool"' in second
        assert '"tool_call_id": "call_bad"' in second


async def test_the_output_tool_is_the_one_an_agent_offers() -> None:
    """Providers see the same tool as from `Agent(output_type=...)` (guards library drift)."""
    offered: list[ToolDefinition] = []

    def capture(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        offered.extend(info.output_tools)
        return call(GOOD)

    await Agent(output_type=Pair).run("Go", model=FunctionModel(capture))
    (agent_tool,) = offered
    (ours,) = SPEC.params.output_tools
    assert (ours.name, ours.description, ours.kind) == (
        agent_tool.name,
        agent_tool.description,
        agent_tool.kind,
    )
    assert ours.parameters_json_schema == agent_tool.parameters_json_schema
