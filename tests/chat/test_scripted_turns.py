"""Chat turns against scripted FunctionModels: the judge loop, the skeleton lifecycle, the
single-writer claim, provider failures and cancellation."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo
from sqlalchemy import update

from coldcraft.store.base import utcnow
from coldcraft.store.models import AIChatSession
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.chat import chat_target, get_session, open_session, send, send_ok
from tests.fixtures.runs import SEED_SKELETON
from tests.llm.scripted import call, text, tool_returns

Script = Callable[..., None]
EM_DASH = {**SEED_SKELETON, "subject": "Onboarding \u2014 a quick idea"}
SHORTER = {**SEED_SKELETON, "subject": "Onboarding at %company%"}
BUSY = "Session is busy (chat_processing)"


def statuses(messages: list[ModelMessage]) -> list[dict[str, Any]]:
    return [p.content for p in tool_returns(messages, "updateSkeleton")]  # type: ignore[misc]


def submits(*skeletons: dict[str, Any], reply: str = "Done.") -> Any:
    """Submit each skeleton in turn (one per model request), then reply."""

    def step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        done = len(statuses(messages))
        if done < len(skeletons):
            return call("updateSkeleton", skeletons[done])
        return text(reply)

    return step


async def test_a_skeleton_failing_the_judge_is_corrected_within_the_turn(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    seen: list[dict[str, Any]] = []

    def step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        results = statuses(messages)
        seen.extend(results[len(seen) :])
        return submits(EM_DASH, SEED_SKELETON, reply="Fixed the dash.")(messages, info)

    use_script(step)
    target = await chat_target(api)
    reply = await send_ok(api, target, "write a first email")
    assert [s["status"] for s in seen] == ["failed", "accepted"]
    assert "em_dash" in {issue["rule"] for issue in seen[0]["issues"]}
    assert reply["skeleton"] == SEED_SKELETON
    assert reply["skeleton_updated"] is True
    assert reply["assistant_message"] == "Fixed the dash."


async def test_a_turn_where_nothing_passes_returns_the_previous_skeleton(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    target = await chat_target(api)
    use_script(submits(SEED_SKELETON))
    first = await send_ok(api, target, "write a first email")
    use_script(submits(EM_DASH, EM_DASH, EM_DASH, reply="I could not fix it."))
    second = await send_ok(api, target, "use an em dash in the subject")
    assert second["skeleton"] == first["skeleton"] == SEED_SKELETON
    assert second["skeleton_updated"] is False
    assert second["assistant_message"] == "I could not fix it."
    session = await get_session(api, first["session_id"])
    assert session["framework_version"] == 1
    assert session["skeleton_history"] is None
    assert len(session["messages"]) == 4


async def test_a_turn_where_nothing_ever_passed_returns_a_null_skeleton(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    use_script(submits(EM_DASH, reply="Still failing."))
    reply = await send_ok(api, await chat_target(api), "write a first email")
    assert reply["skeleton"] is None
    assert reply["skeleton_updated"] is False
    session = await get_session(api, reply["session_id"])
    assert session["framework_version"] is None
    assert session["draft_subject"] is None


async def test_a_new_skeleton_clears_examples_and_pushes_the_old_one_on_the_history(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    target = await chat_target(api)
    use_script(submits(SEED_SKELETON))
    first = await send_ok(api, target, "write a first email")
    url = f"/api/campaigns/ai-chat-sessions/{first['session_id']}"
    examples = [{"lead_id": "l1", "subject": "s", "body": "b"}]
    assert (await api.patch(url, json={"generated_examples": examples})).status_code == 200

    use_script(submits(EM_DASH, reply="No change."))
    await send_ok(api, target, "try an em dash")
    assert (await get_session(api, first["session_id"]))["generated_examples"] == examples

    use_script(submits(SHORTER))
    second = await send_ok(api, target, "make the subject about onboarding")
    assert second["skeleton_updated"] is True
    session = await get_session(api, first["session_id"])
    assert session["generated_examples"] is None
    assert session["skeleton_history"] == [SEED_SKELETON]
    assert session["framework_version"] == 2
    assert session["draft_subject"] == SHORTER["subject"]


async def test_resubmitting_the_current_skeleton_is_not_an_update(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    target = await chat_target(api)
    use_script(submits(SEED_SKELETON))
    await send_ok(api, target, "write a first email")
    again = await send_ok(api, target, "keep it as it is")
    assert again["skeleton_updated"] is False
    assert (await get_session(api, again["session_id"]))["framework_version"] == 1


async def test_the_agent_replays_the_sessions_history(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    prompts: list[int] = []

    def step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompts.append(sum(1 for m in messages if m.kind == "request"))
        return text("ok")

    use_script(step)
    target = await chat_target(api)
    await send_ok(api, target, "one")
    await send_ok(api, target, "two")
    assert prompts == [1, 2]


# --- the single-writer claim -----------------------------------------------------------------


async def test_concurrent_turns_on_one_session_get_one_200_and_409s(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    release = asyncio.Event()

    async def held(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.wait_for(release.wait(), timeout=20)  # busy until the others answered
        return text("done")

    use_script(held)
    target = await chat_target(api)  # no session yet: the first calls also race to create it
    tasks = [asyncio.create_task(send(api, target, f"turn {i}")) for i in range(10)]
    for _ in range(200):
        if sum(t.done() for t in tasks) >= 9:
            break
        await asyncio.sleep(0.05)
    release.set()
    responses = await asyncio.gather(*tasks)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [409] * 9
    for response in responses:
        if response.status_code == 409:
            assert response.json()["error"] == {"code": "session_busy", "message": BUSY}
    listed = await api.get(f"/api/campaigns/ai-chat-sessions?campaign_id={target.campaign_id}")
    [session] = listed.json()["sessions"]
    assert session["task_status"] is None
    assert [m["role"] for m in session["messages"]] == ["user", "assistant"]


async def test_a_session_generating_examples_is_busy(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    target = await chat_target(api)
    session = await open_session(api, target)
    await _hold(sessionmaker, session["id"], "generating_examples")
    response = await send(api, target, "hello")
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "Session is busy (generating_examples)"
    assert (await get_session(api, session["id"]))["messages"] is None


async def _hold(sessionmaker: SessionMaker, session_id: str, task_status: str) -> None:
    async with unit_of_work(sessionmaker) as db:
        await db.execute(
            update(AIChatSession)
            .where(AIChatSession.id == uuid.UUID(session_id))
            .values(task_status=task_status, task_claimed_at=utcnow(), task_run_id=None)
        )


# --- failures --------------------------------------------------------------------------------


async def test_a_provider_500_after_retries_is_502_and_releases_the_claim(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    calls: list[int] = []

    def failing(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        raise ModelHTTPError(500, "function:test", {"error": "boom"})

    use_script(failing, attempts=3)
    target = await chat_target(api)
    response = await send(api, target, "write a first email")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "upstream_error"
    assert "model provider failed" in error["message"]
    assert len(calls) == 3

    [session] = (await api.get("/api/campaigns/ai-chat-sessions")).json()["sessions"]
    assert session["task_status"] is None
    assert session["messages"] == [{"role": "user", "content": "write a first email"}]
    assert session["last_error"] == {
        "code": "upstream_error",
        "message": error["message"],
        "run_id": None,
    }

    use_script(submits(SEED_SKELETON))
    retry = await send_ok(api, target, "write a first email")
    assert retry["skeleton"] == SEED_SKELETON
    assert (await get_session(api, session["id"]))["last_error"] is None


async def test_a_cancelled_request_releases_the_claim(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    entered = asyncio.Event()

    async def hanging(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        entered.set()
        await asyncio.sleep(30)
        return text("never")

    use_script(hanging)
    target = await chat_target(api)
    request = asyncio.create_task(send(api, target, "write a first email"))
    await asyncio.wait_for(entered.wait(), timeout=10)
    request.cancel()
    await asyncio.gather(request, return_exceptions=True)

    [session] = (await api.get("/api/campaigns/ai-chat-sessions")).json()["sessions"]
    assert session["task_status"] is None
    assert session["messages"] == [{"role": "user", "content": "write a first email"}]
