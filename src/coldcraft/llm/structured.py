"""One typed answer from a model through pydantic-ai's direct API, without an agent run.

The per-lead writer makes one such call per lead, thousands per campaign. An `Agent.run`
spends about 1.9 ms of CPU on its graph, capabilities and task plumbing around the model
request; `pydantic_ai.direct.model_request` spends about 0.1 ms (`python -m bench runs`).
The contract stays an agent's tool-output contract, so providers see the same requests:

- the answer is a call of the output tool `final_result`, whose arguments are validated
  against the output type;
- a call that fails validation is answered with a retried tool return carrying the errors,
  a response without the call with retry feedback, and the model is asked again, at most
  `retries` more times; then `UnexpectedModelBehavior`, as an agent run raises.

Provider failures (`ModelAPIError`) propagate unchanged: the model's own wrapper
(`RetryingModel`) has already spent the attempt budget on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_ai.direct import model_request
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryFeedbackPart,
    RetryInfo,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.models import Model, ModelRequestParameters
from pydantic_ai.settings import ModelSettings
from pydantic_ai.tools import GenerateToolJsonSchema, ToolDefinition
from pydantic_ai.usage import RunUsage

OUTPUT_TOOL = "final_result"  # the name an agent gives its output tool

OutputT = TypeVar("OutputT", bound=BaseModel)


@dataclass(frozen=True)
class OutputSpec(Generic[OutputT]):
    """An output type and the request parameters offering it as the only tool (built once)."""

    output_type: type[OutputT]
    retries: int = 2
    params: ModelRequestParameters = field(init=False)

    def __post_init__(self) -> None:
        schema = self.output_type.model_json_schema(schema_generator=GenerateToolJsonSchema)
        # As an agent builds it: the docstring becomes the tool's description, once.
        description = schema.pop("description", None)
        tool = ToolDefinition(
            name=OUTPUT_TOOL, parameters_json_schema=schema, description=description, kind="output"
        )
        params = ModelRequestParameters(
            output_mode="tool", output_tools=[tool], allow_text_output=False
        )
        object.__setattr__(self, "params", params)

    def parse(self, response: ModelResponse) -> tuple[OutputT | None, list[ModelRequestPart]]:
        """The validated output, or None and the parts that answer the response for a retry."""
        calls = response.tool_calls
        if not calls:
            text = f"Answer by calling the `{OUTPUT_TOOL}` tool with the requested fields."
            return None, [RetryFeedbackPart(content=text, retry=RetryInfo(cause="model_retry"))]
        feedback: list[ModelRequestPart] = []
        for call in calls:
            if call.tool_name != OUTPUT_TOOL:
                feedback.append(_unknown_tool(call))
                continue
            try:
                return self.output_type.model_validate_json(call.args_as_json_str()), []
            except ValidationError as exc:
                feedback.append(_invalid_output(call, exc))
        return None, feedback


async def request_output(
    model: Model,
    spec: OutputSpec[OutputT],
    *,
    instructions: str,
    prompt: str,
    settings: ModelSettings | None = None,
) -> tuple[OutputT, RunUsage]:
    """Ask `model` for one `spec.output_type`; returns it with the usage of every request."""
    messages: list[ModelMessage] = [
        ModelRequest(parts=[UserPromptPart(prompt)], instructions=instructions)
    ]
    usage = RunUsage()
    for _ in range(spec.retries + 1):
        response = await model_request(
            model,
            messages,
            model_settings=settings,
            model_request_parameters=spec.params,
            instrument=False,
        )
        _price(response)
        usage.incr(response.usage)
        usage.requests += 1
        output, feedback = spec.parse(response)
        if output is not None:
            return output, usage
        messages += [response, ModelRequest(parts=feedback, instructions=instructions)]
    raise UnexpectedModelBehavior(
        f"Exceeded maximum retries ({spec.retries}) for output validation"
    )


def _unknown_tool(call: ToolCallPart) -> ToolReturnPart:
    return ToolReturnPart(
        tool_name=call.tool_name,
        content=f"Unknown tool name: {call.tool_name!r}. The only tool is {OUTPUT_TOOL!r}.",
        tool_call_id=call.tool_call_id,
        outcome="retried",
        retry=RetryInfo(cause="model_retry"),
    )


def _invalid_output(call: ToolCallPart, exc: ValidationError) -> ToolReturnPart:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    return ToolReturnPart(
        tool_name=call.tool_name,
        content=[dict(error) for error in errors],
        tool_call_id=call.tool_call_id,
        tool_kind="output",
        outcome="retried",
        retry=RetryInfo(cause="validation_error"),
    )


def _price(response: ModelResponse) -> None:
    """Best-effort cost from genai-prices, as an agent run fills it: unknown models stay None."""
    if response.usage.cost is not None or not response.model_name:
        return
    try:
        response.usage.cost = Decimal(response.cost().total_price)
    except (LookupError, ValueError):
        return
