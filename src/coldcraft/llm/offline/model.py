"""`offline`: a deterministic, rule-based model built on pydantic-ai's `FunctionModel`.

It drives the same agents through the same tool calls as a real model, so the whole pipeline
runs on a machine with no provider key (demos, tests):
- framework agent (it sees the `updateSkeleton` tool): composes a skeleton from the brief and
  the `<context>` section of the instructions, submits it, fixes it when the judge fails it,
  applies recognised edits on later turns, then replies with a short plain-text message;
- writer (it sees an output tool): writes each AI block from the `<lead_data>`, the block's
  strategy and its fallback; on a repair request it writes without lead values.
Results carry `model: "offline"`; usage counts requests and estimated tokens, with cost 0.
"""

from __future__ import annotations

import json
import uuid
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

from coldcraft.llm.context import read_section
from coldcraft.llm.offline.draft import is_question
from coldcraft.llm.offline.framework import answer, next_submission, plan, skeleton_args
from coldcraft.llm.offline.writer import clean_value, write_blocks
from coldcraft.llm.sources import flat_fields, values_used

OFFLINE_NAME = "offline"
UPDATE_TOOL = "updateSkeleton"
SEARCH_TOOL = "searchWeb"


def offline_model() -> FunctionModel:
    return FunctionModel(respond, model_name=OFFLINE_NAME)


async def respond(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """The offline model's answer (async: no worker thread per request)."""
    tools = {t.name for t in info.function_tools}
    if UPDATE_TOOL in tools:
        return framework_step(messages, info, search=SEARCH_TOOL in tools)
    if info.output_tools:
        return writer_step(messages, info)
    return _text("The offline model has nothing to do for this request.")


# --- message helpers -----------------------------------------------------------------------


def _text(content: str) -> ModelResponse:
    return ModelResponse(parts=[TextPart(content=content)])


def _call(name: str, args: dict[str, Any]) -> ModelResponse:
    call_id = f"offline_{uuid.uuid4().hex[:16]}"
    return ModelResponse(parts=[ToolCallPart(tool_name=name, args=args, tool_call_id=call_id)])


def _user_index(messages: list[ModelMessage]) -> int:
    """Index of the request holding this turn's user prompt."""
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, ModelRequest) and any(
            isinstance(p, UserPromptPart) for p in message.parts
        ):
            return index
    return 0


def user_text(message: ModelMessage) -> str:
    parts = message.parts if isinstance(message, ModelRequest) else []
    texts = [p.content for p in parts if isinstance(p, UserPromptPart)]
    return "\n".join(t if isinstance(t, str) else " ".join(map(str, t)) for t in texts)


def _returns(messages: list[ModelMessage], name: str) -> list[ToolReturnPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart) and part.tool_name == name
    ]


def _calls(messages: list[ModelMessage], name: str) -> list[ToolCallPart]:
    return [
        part
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.parts
        if isinstance(part, ToolCallPart) and part.tool_name == name
    ]


def _content(part: ToolReturnPart) -> dict[str, Any]:
    content = part.content
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except json.JSONDecodeError:
            return {}
    return content if isinstance(content, dict) else {}


def last_accepted(messages: list[ModelMessage]) -> dict[str, Any] | None:
    """The arguments of the last `updateSkeleton` call the tool accepted, in the whole history."""
    accepted = {
        p.tool_call_id
        for p in _returns(messages, UPDATE_TOOL)
        if _content(p).get("status") == "accepted"
    }
    calls = [c for c in _calls(messages, UPDATE_TOOL) if c.tool_call_id in accepted]
    return calls[-1].args_as_dict() if calls else None


# --- the framework agent -------------------------------------------------------------------


def framework_step(messages: list[ModelMessage], info: AgentInfo, *, search: bool) -> ModelResponse:
    context = read_section(info.instructions, "context") or {}
    start = _user_index(messages)
    turn = messages[start:]
    message = user_text(messages[start])
    previous = last_accepted(messages[:start])
    if is_question(message):  # answered; the skeleton (and its examples) stay as they are
        return _text(answer(context.get("current_skeleton") or previous))
    recipe, said = plan(message, context, previous)
    submissions = _returns(turn, UPDATE_TOOL)
    if not submissions:
        if search and _wants_search(message) and not _returns(turn, SEARCH_TOOL):
            return _call(SEARCH_TOOL, {"query": recipe.topic})
        return _call(UPDATE_TOOL, skeleton_args(recipe, context))
    result = _content(submissions[-1])
    if result.get("status") == "accepted":
        return _text(_reply(said, context, len(submissions)))
    args = next_submission(len(submissions) + 1, recipe, context, result.get("issues") or [])
    if args is None:
        return _text(
            "I could not get a framework past the quality checks this time. "
            "Try rephrasing the brief or ask for a simpler email."
        )
    return _call(UPDATE_TOOL, args)


def _wants_search(message: str) -> bool:
    text = message.lower()
    return any(word in text for word in ("search", "look up", "research", "find out"))


def _reply(said: str, context: dict[str, Any], submissions: int) -> str:
    leads = context.get("sample_leads") or []
    lead = leads[0] if leads else {}
    names = (clean_value(lead.get("first_name"), limit=30), clean_value(lead.get("company")))
    who = " at ".join(name for name in names if name)
    example = f" The example is written for {who}." if who and submissions == 1 else ""
    fixed = " I adjusted it once to pass the quality checks." if submissions > 1 else ""
    return f"{said}{example}{fixed} Tell me what to change, for example the tone or the length."


# --- the writer ----------------------------------------------------------------------------


def writer_step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    start = _user_index(messages)
    prompt = user_text(messages[start])
    skeleton = read_section(info.instructions, "skeleton")
    workspace = read_section(info.instructions, "workspace_context")
    lead = read_section(prompt, "lead_data") or {}
    blocks = read_section(prompt, "ai_blocks") or []
    instructions = [str(b.get("instruction", "")) for b in blocks if isinstance(b, dict)]
    safe = read_section(prompt, "issues") is not None
    earlier = [
        "\n".join(str(t.get(key) or "") for key in ("subject", "body"))
        for t in read_section(prompt, "earlier_touches") or []
        if isinstance(t, dict)
    ]
    texts = write_blocks(
        skeleton, lead, instructions, workspace=workspace, safe=safe, earlier=earlier
    )
    fields = flat_fields(lead if isinstance(lead, dict) else {})
    written = [{"text": text, "sources": values_used(text, fields)} for text in texts]
    tool = info.output_tools[0].name
    return _call(tool, {"blocks": written})
