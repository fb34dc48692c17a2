"""POST /api/campaigns/ai-chat-sessions/{id}/turn: the same turn, as a `framework-chat-turn` run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from tests.fixtures.chat import chat_target, get_session, open_session
from tests.fixtures.factories import Account
from tests.fixtures.runs import SEED_SKELETON
from tests.llm.scripted import call, text, tool_returns

Script = Callable[..., None]
SESSIONS = "/api/campaigns/ai-chat-sessions"
TERMINAL = ("completed", "failed", "cancelled")


async def poll_run(client: httpx.AsyncClient, run_id: str, token: str) -> dict[str, Any]:
    """Poll GET /api/runs/{id} with the run's publicAccessToken until it is terminal."""
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(400):
        response = await client.get(f"/api/runs/{run_id}", headers=headers)
        assert response.status_code == 200, response.text
        run: dict[str, Any] = response.json()["run"]
        if run["status"] in TERMINAL:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def seed_then_reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    if not tool_returns(messages, "updateSkeleton"):
        return call("updateSkeleton", SEED_SKELETON)
    return text("Here is a framework.")


async def start(api: httpx.AsyncClient, session_id: str, **body: Any) -> httpx.Response:
    return await api.post(f"{SESSIONS}/{session_id}/turn", json={"message": "write", **body})


async def test_a_turn_run_updates_the_session_like_generate_content(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    use_script(seed_then_reply)
    session = await open_session(api, await chat_target(api))
    response = await start(api, session["id"], message="write a first email")
    assert response.status_code == 202
    started = response.json()
    assert set(started) == {"runId", "publicAccessToken"}
    assert started["runId"].startswith("run_")

    run = await poll_run(api, started["runId"], started["publicAccessToken"])
    assert run["status"] == "completed", run
    assert run["kind"] == "framework-chat-turn"
    assert run["session_id"] == session["id"]
    assert run["progress"] == {"total": 1, "done": 1, "failed": 0}
    assert run["usage"]["requests"] == 2

    after = await get_session(api, session["id"])
    assert after["messages"] == [
        {"role": "user", "content": "write a first email"},
        {"role": "assistant", "content": "Here is a framework."},
    ]
    assert after["skeleton"] == SEED_SKELETON
    assert after["framework_version"] == 1
    assert after["task_status"] is None
    assert after["last_run_id"] == started["runId"]
    assert after["last_error"] is None


async def test_the_turns_inputs_reach_the_agent(api: httpx.AsyncClient, use_script: Script) -> None:
    seen: list[str] = []

    def capture(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(info.instructions or "")
        return text("noted")

    use_script(capture)
    session = await open_session(api, await chat_target(api))
    response = await start(
        api,
        session["id"],
        sampleLeads=[{"first_name": "Zed", "company": "Zenith"}],
        availableVarNames=["first_name", "company", "custom_fields.tier"],
        sequenceContext={"position": 0, "total_nodes": 2, "prior_nodes": []},
    )
    started = response.json()
    run = await poll_run(api, started["runId"], started["publicAccessToken"])
    assert run["status"] == "completed", run
    [instructions] = seen
    assert "Zenith" in instructions
    assert "custom_fields.tier" in instructions
    assert "step 1 of 2" in instructions  # the client's place (the node's own is 2 of 2)


async def test_a_busy_session_is_409_and_keeps_no_message(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    release = asyncio.Event()

    async def held(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.wait_for(release.wait(), timeout=20)
        return text("done")

    use_script(held)
    session = await open_session(api, await chat_target(api))
    first = await start(api, session["id"], message="first")
    assert first.status_code == 202
    second = await start(api, session["id"], message="second")
    assert second.status_code == 409
    assert second.json()["error"] == {
        "code": "session_busy",
        "message": "Session is busy (chat_processing)",
    }
    target_url = f"/api/campaigns/{session['campaign_id']}/generate-content"
    sync = await api.post(target_url, json={"node_id": session["node_id"], "message": "third"})
    assert sync.status_code == 409

    release.set()
    started = first.json()
    run = await poll_run(api, started["runId"], started["publicAccessToken"])
    assert run["status"] == "completed"
    contents = [m["content"] for m in (await get_session(api, session["id"]))["messages"]]
    assert contents == ["first", "done"]


async def test_a_provider_failure_fails_the_run_and_records_it_on_the_session(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    def failing(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        raise ModelHTTPError(503, "function:test", {"error": "overloaded"})

    use_script(failing, attempts=2)
    session = await open_session(api, await chat_target(api))
    started = (await start(api, session["id"])).json()
    run = await poll_run(api, started["runId"], started["publicAccessToken"])
    assert run["status"] == "failed"
    assert run["error"]["code"] == "upstream_error"

    after = await get_session(api, session["id"])
    assert after["task_status"] is None
    assert after["messages"] == [{"role": "user", "content": "write"}]
    assert after["last_error"] == {**run["error"], "run_id": started["runId"]}
    assert after["last_run_id"] == started["runId"]

    use_script(seed_then_reply)
    retry = (await start(api, session["id"])).json()
    assert (await poll_run(api, retry["runId"], retry["publicAccessToken"]))["status"] == (
        "completed"
    )
    assert (await get_session(api, session["id"]))["last_error"] is None


async def test_turn_checks_ownership_and_the_body(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}/turn"
    foreign = await api.post(url, json={"message": "hi"}, headers=other_account.headers)
    assert foreign.status_code == 404
    for body in ({"message": ""}, {}, {"message": "hi", "sample_leads": []}):
        assert (await api.post(url, json=body)).status_code == 400, body
    assert (await get_session(api, session["id"]))["messages"] is None


async def test_deleting_a_session_cancels_its_run(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    release = asyncio.Event()

    async def held(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        await asyncio.wait_for(release.wait(), timeout=20)
        return text("done")

    use_script(held)
    session = await open_session(api, await chat_target(api))
    started = (await start(api, session["id"])).json()
    assert (await api.delete(f"{SESSIONS}/{session['id']}")).status_code == 200
    release.set()
    run = await poll_run(api, started["runId"], started["publicAccessToken"])
    assert run["status"] == "cancelled"
