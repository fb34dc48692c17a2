"""The eval over the wire: the real openai SDK against the local fake Chat Completions server.

The fake answers like the offline model would (its own composing and writing functions, fed
from the request's JSON), so the run is meaningful; everything between (pydantic-ai, the SDK,
HTTP, usage and cost accounting) is the real thing a provider run goes through.
"""

from __future__ import annotations

import json

from coldcraft.config import Settings
from coldcraft.evals.evaluate import EvalConfig, evaluate
from coldcraft.evals.golden import load_golden
from coldcraft.llm.context import read_section
from coldcraft.llm.offline.framework import next_submission, plan, skeleton_args
from coldcraft.llm.offline.writer import write_blocks
from tests.llm.fake_providers import Action, Fail, FakeProvider, RecordedRequest, Reply, ToolCall

CHAT, WRITER = "openai:gpt-4.1", "openai:gpt-4.1-mini"


def answer(request: RecordedRequest) -> Action:
    if "updateSkeleton" in request.tool_names:
        return _framework(request)
    return _writer(request)


def _framework(request: RecordedRequest) -> Action:
    messages = request.body["messages"]
    context = read_section(request.system_text(), "context") or {}
    user = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    recipe, said = plan(user if isinstance(user, str) else "", context, None)
    last = messages[-1]
    if last["role"] != "tool":
        return Reply(tool_calls=[ToolCall("updateSkeleton", skeleton_args(recipe, context))])
    result = json.loads(last["content"])
    if result.get("status") == "accepted":
        return Reply(text=said)
    fixed = next_submission(2, recipe, context, result.get("issues") or [])
    return Reply(tool_calls=[ToolCall("updateSkeleton", fixed or {})])


def _writer(request: RecordedRequest) -> Action:
    system, prompt = request.system_text(), request.user_text()
    earlier = [
        f"{t.get('subject') or ''}\n{t.get('body') or ''}"
        for t in read_section(prompt, "earlier_touches") or []
    ]
    texts = write_blocks(
        read_section(system, "skeleton"),
        read_section(prompt, "lead_data") or {},
        [b["instruction"] for b in read_section(prompt, "ai_blocks") or []],
        workspace=read_section(system, "workspace_context"),
        safe=read_section(prompt, "issues") is not None,
        earlier=earlier,
    )
    return Reply.output({"blocks": [{"text": t, "sources": []} for t in texts]})


async def test_the_eval_runs_through_the_openai_sdk(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    openai_fake.responder = answer
    golden = load_golden().select(["invoice-follow-up"], limit=6)
    golden = golden.model_copy(update={"leads": (*golden.leads[:3], *load_golden().leads[-3:])})
    report = await evaluate(EvalConfig("A", CHAT, WRITER), golden, llm_settings, concurrency=4)

    assert report["config"]["chat_model"] == CHAT
    assert report["config"]["writer_model"] == WRITER
    assert all(b["skeleton"]["passed"] for b in report["briefs"])
    summary = report["summary"]
    assert summary["drafts"] == 12
    assert summary["pass_rate"] == 1.0, [d["issues"] for d in report["drafts"] if not d["passed"]]
    assert summary["injection_leaks"] == 0
    assert summary["ungrounded_claims"] == 0
    assert summary["llm_errors"] == 0
    # The fake's usage (120 in, 40 out per request) and a real price for gpt-4.1-mini.
    assert all(d["input_tokens"] == 120 * d["requests"] for d in report["drafts"])
    assert summary["tokens"]["output"] == 40 * sum(d["requests"] for d in report["drafts"])
    assert summary["cost_usd"] > 0
    chat = report["chat"]
    assert (chat["skeletons_passed"], chat["turns"]) == (2, 2)
    assert chat["requests"] == len(openai_fake.requests) - len(
        [r for r in openai_fake.requests if "updateSkeleton" not in r.tool_names]
    )
    assert chat["cost_usd"] > 0
    writes = [r for r in openai_fake.requests if "updateSkeleton" not in r.tool_names]
    assert len(writes) == sum(d["requests"] for d in report["drafts"])
    assert all(r.body["model"] == "gpt-4.1-mini" for r in writes)


async def test_a_provider_failure_is_recorded_not_raised(
    openai_fake: FakeProvider, llm_settings: Settings
) -> None:
    def failing_writer(request: RecordedRequest) -> Action:
        if "updateSkeleton" in request.tool_names:
            return answer(request)
        return Fail(401, "bad key")

    openai_fake.responder = failing_writer
    golden = load_golden().select(["dispatch-first"], limit=2)
    report = await evaluate(EvalConfig("A", CHAT, WRITER), golden, llm_settings)
    assert report["summary"]["llm_errors"] == 2
    assert report["summary"]["pass_rate"] == 0.0
    assert report["drafts"][0]["issues"][0]["rule"] == "llm_error"
