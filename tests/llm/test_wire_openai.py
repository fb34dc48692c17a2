"""Wire tests: the real `openai` SDK via pydantic-ai against a fake Chat Completions API."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from pydantic_ai import Agent

from coldcraft.config import Settings
from coldcraft.llm.errors import LLMError
from coldcraft.llm.framework_agent import run_framework_turn
from coldcraft.llm.models import ResolvedModel, resolve_model
from coldcraft.llm.sources import CitedFact
from coldcraft.llm.writer_agent import write_email
from coldcraft.skeletons.schema import Skeleton
from tests.llm.builders import (
    LEADS,
    LIMITS,
    framework_context,
    good_skeleton,
    good_skeleton_args,
    writer_input,
)
from tests.llm.fake_providers import Fail, FakeProvider, Reply, ToolCall

GOOD = good_skeleton_args()
EM_DASH = {**GOOD, "body": GOOD["body"].replace("Hi %first_name|there%,", "Hi \u2014 there,")}
TEXTS = [
    "Since you run operations, invoices probably land on your desk every week.",
    "Most finance teams lose a few hours each week chasing approvals by hand.",
    "Flowly routes each invoice to the right approver, so nothing sits in an inbox.",
]


def chat(settings: Settings) -> ResolvedModel:
    return resolve_model("chat", settings, override="openai:gpt-4.1")


async def test_a_full_framework_turn(openai_fake: FakeProvider, llm_settings: Settings) -> None:
    openai_fake.script(
        Reply(tool_calls=[ToolCall("updateSkeleton", EM_DASH)]),
        Reply(tool_calls=[ToolCall("updateSkeleton", GOOD)], cache_read_tokens=64),
        Reply(text="Done: a first-touch framework."),
    )
    result = await run_framework_turn(
        "write a first email", framework_context(), model=chat(llm_settings), limits=LIMITS
    )
    assert result.skeleton == Skeleton.model_validate(GOOD)
    assert result.assistant_message == "Done: a first-touch framework."
    assert result.model_name == "openai:gpt-4.1"
    assert openai_fake.count() == 3
    assert result.usage.requests == 3
    assert result.usage.cache_read_tokens == 64
    assert result.usage.cost_usd > 0
    first = openai_fake.requests[0]
    assert first.path == "/v1/chat/completions"
    assert first.headers["authorization"] == "Bearer sk-test"
    assert set(first.tool_names) >= {"updateSkeleton", "searchWeb"}
    assert "coldcraft's framework writer" in first.system_text()
    assert "em_dash" in json.dumps(openai_fake.requests[1].body["messages"])


async def test_a_writer_call(openai_fake: FakeProvider, llm_settings: Settings) -> None:
    openai_fake.responder = lambda request: Reply.output({"blocks": TEXTS})
    model = resolve_model("writer", llm_settings, override="openai:gpt-4.1-mini")
    skeleton = good_skeleton()
    emails = [await write_email(writer_input(skeleton, lead), model=model) for lead in LEADS]
    assert all(e.passed for e in emails), [e.issues for e in emails]
    assert emails[0].model == "openai:gpt-4.1-mini"
    one, two = openai_fake.requests
    assert one.system_text() == two.system_text()
    assert one.body["messages"][0] == two.body["messages"][0]  # the shared prefix comes first
    assert "Sarah" in one.user_text()
    assert "Tom" in two.user_text()


async def test_the_writer_names_its_sources_through_the_sdk(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    """The output schema the provider gets fixes the count of `{text, sources}` entries,
    and the sources the model names come back resolved (a fact it was given, a field the
    lead has), the rest dropped."""
    fact = CitedFact(id="f9", text="Acme ships to 400 retailers", source_url="https://acme.test/")
    blocks = [
        {"text": TEXTS[0], "sources": ["position", "fact:f9"]},
        {"text": TEXTS[1], "sources": ["fact:nope"]},
        {"text": TEXTS[2], "sources": []},
    ]
    openai_fake.responder = lambda request: Reply.output({"blocks": blocks})
    model = resolve_model("writer", llm_settings, override="openai:gpt-4.1-mini")
    inp = replace(writer_input(good_skeleton(), LEADS[0]), facts=(fact,))
    email = await write_email(inp, model=model)
    assert email.passed, email.issues
    assert [[s.field or s.id for s in b.sources] for b in email.sources] == [
        ["position", "f9"],
        [],
        [],
    ]
    [tool] = openai_fake.last.body["tools"]
    schema = tool["function"]["parameters"]["properties"]["blocks"]
    assert (schema["minItems"], schema["maxItems"]) == (3, 3)
    assert "<company_facts>" in openai_fake.last.user_text()


async def test_an_openai_compatible_spec_talks_to_its_base_url(
    openai_fake: FakeProvider, llm_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("OPENAI_BASE_URL")
    spec = f"openai-compatible:llama3.1:8b@{openai_fake.base_url}"
    model = resolve_model("writer", llm_settings, override=spec)
    assert model.provider == "openai-compatible"
    assert model.name == spec
    openai_fake.responder = lambda request: Reply.output({"blocks": TEXTS})
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=model)
    assert email.passed, email.issues
    assert openai_fake.last.body["model"] == "llama3.1:8b"
    assert email.usage.cost_usd == 0.0  # a self-hosted model has no price


async def _one_call(settings: Settings) -> str:
    result = await Agent(output_type=str).run("hi", model=chat(settings).model)
    return result.output


async def test_429_with_retry_after_then_success_is_two_requests(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    openai_fake.script(Fail(429, retry_after="0"), Reply(text="hello"))
    assert await _one_call(llm_settings) == "hello"
    assert openai_fake.count() == 2


async def test_400_is_one_request(openai_fake: FakeProvider, llm_settings: Settings) -> None:
    openai_fake.script(Fail(400), Reply(text="never"))
    with pytest.raises(LLMError) as caught:
        await _one_call(llm_settings)
    assert caught.value.code == "upstream_bad_request"
    assert openai_fake.count() == 1


async def test_500_three_times_is_three_requests_then_llm_error(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    openai_fake.script(Fail(500), Fail(502), Fail(503), Reply(text="too late"))
    with pytest.raises(LLMError) as caught:
        await _one_call(llm_settings)
    assert caught.value.code == "upstream_error"
    assert openai_fake.count() == 3


async def test_a_slow_response_times_out_and_is_retried(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    settings = llm_settings.model_copy(update={"llm_timeout_seconds": 0.3})
    openai_fake.script(Reply(text="slow", delay=1.0), Reply(text="fast"))
    assert await _one_call(settings) == "fast"
    assert openai_fake.count() == 2


async def test_streaming_with_a_tool_call(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    openai_fake.script(
        Fail(500),
        Reply(tool_calls=[ToolCall("add", {"a": 2, "b": 3})]),
        Reply(text="5", input_tokens=7, output_tokens=1),
    )
    agent = Agent(output_type=str)

    @agent.tool_plain
    def add(a: int, b: int) -> int:
        return a + b

    async with agent.run_stream("add", model=chat(llm_settings).model) as stream:
        assert await stream.get_output() == "5"
    assert openai_fake.count() == 3
    assert openai_fake.last.stream
    assert openai_fake.last.body["messages"][-1]["role"] == "tool"
