"""generate-examples runs: one writer call per lead, written back as each completes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from coldcraft.store.session import SessionMaker
from tests.fixtures.examples import ScriptedWriter, generate, leads, scripted_writer
from tests.fixtures.runs import read_chat_session, wait_for_run, wait_until


async def run_to_end(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    response = await generate(api, chat["id"], body)
    assert response.status_code == 202, response.text
    run_id = response.json()["runId"]
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "completed", run.error
    return {"run_id": run_id, "run": run}


async def test_every_lead_gets_an_example_that_passes_the_judge(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any], writer: ScriptedWriter
) -> None:
    response = await generate(api, chat["id"], {"leads": leads("Ada", "Grace", "Alan")})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["runId"].startswith("run_")
    assert body["publicAccessToken"].startswith("tr_pat_")

    async def released() -> bool:
        return (await read_chat_session(sessionmaker, chat["id"])).task_status is None

    await wait_until(released)
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.last_run_id == body["runId"]
    examples = row.generated_examples or []
    assert [e["lead"]["first_name"] for e in examples] == ["Ada", "Grace", "Alan"]
    for example in examples:
        assert example["quality"]["passed"] is True, example
        assert example["subject"]
        assert example["body"]
        assert example["lead_id"] == f"name:{example['lead']['first_name'].lower()} tester"
        assert example["model"] == "scripted-writer"
        assert set(example["usage"]) == {"input_tokens", "output_tokens", "cost_usd"}
    run = (await api.get(f"/api/runs/{body['runId']}")).json()["run"]
    assert run["status"] == "completed"
    assert run["progress"] == {"total": 3, "done": 3, "failed": 0}
    assert run["usage"]["requests"] == 3
    assert run["usage"]["input_tokens"] > 0
    assert dict(writer.calls) == {"Ada": 1, "Grace": 1, "Alan": 1}


async def test_first_batch_replaces_and_later_batches_append_by_lead_id(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any], writer: ScriptedWriter
) -> None:
    async def names() -> list[str]:
        row = await read_chat_session(sessionmaker, chat["id"])
        return [e["lead"]["first_name"] for e in row.generated_examples or []]

    await run_to_end(api, sessionmaker, chat, {"leads": leads("Ada", "Grace")})  # omitted: empty
    assert await names() == ["Ada", "Grace"]
    await run_to_end(api, sessionmaker, chat, {"leads": leads("Grace", "Alan")})  # omitted: append
    assert await names() == ["Ada", "Grace", "Alan"]
    second = {"leads": leads("Linus"), "isFirstBatch": False}
    await run_to_end(api, sessionmaker, chat, second)
    assert await names() == ["Ada", "Grace", "Alan", "Linus"]
    await run_to_end(api, sessionmaker, chat, {"leads": leads("Ken"), "isFirstBatch": True})
    assert await names() == ["Ken"]


async def test_concurrent_posts_on_one_session_start_exactly_one_run(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    with scripted_writer(delay=1.0):
        responses = await asyncio.gather(
            *(generate(api, chat["id"], {"leads": leads("Ada")}) for _ in range(20))
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [202] + [409] * 19
        busy = next(r for r in responses if r.status_code == 409).json()["error"]
        assert busy == {"code": "session_busy", "message": "Session is busy (generating_examples)"}
        run_id = next(r for r in responses if r.status_code == 202).json()["runId"]
        await wait_for_run(sessionmaker, run_id)


async def test_a_lead_whose_writer_call_keeps_failing_gets_an_error_item(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    with scripted_writer(failing={"Grace"}) as writer:
        result = await run_to_end(api, sessionmaker, chat, {"leads": leads("Ada", "Grace", "Alan")})
    assert writer.calls["Grace"] == 3  # the attempt budget, then LLMError
    assert writer.calls["Ada"] == writer.calls["Alan"] == 1
    run = result["run"]
    assert (run.progress_done, run.progress_failed) == (2, 1)
    row = await read_chat_session(sessionmaker, chat["id"])
    by_name = {e["lead"]["first_name"]: e for e in row.generated_examples or []}
    assert "body" not in by_name["Grace"]
    assert by_name["Grace"]["error"]["code"] == "upstream_error"
    assert by_name["Ada"]["quality"]["passed"]
    assert by_name["Alan"]["quality"]["passed"]
    assert row.task_status is None


async def test_cancel_mid_run_keeps_results_and_starts_no_new_call(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    names = [f"Lead{i}" for i in range(16)]
    with scripted_writer(delay=0.4) as writer:
        response = await generate(api, chat["id"], {"leads": leads(*names)})
        run_id = response.json()["runId"]

        async def some_written() -> bool:
            row = await read_chat_session(sessionmaker, chat["id"])
            return bool(row.generated_examples)

        await wait_until(some_written)
        cancelled = await api.post(f"/api/runs/{run_id}/cancel")
        # Workers see the cancel within ~50 ms (their view of the run is at most that old).
        await asyncio.sleep(0.2)
        started_at_cancel = writer.started
        assert cancelled.status_code == 200
        assert cancelled.json()["run"]["status"] == "cancelled"
        assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None
        await asyncio.sleep(1.5)  # in-flight calls finish; their results are dropped
        assert writer.started == started_at_cancel
    row = await read_chat_session(sessionmaker, chat["id"])
    kept = row.generated_examples or []
    assert 0 < len(kept) < len(names)
    run = (await api.get(f"/api/runs/{run_id}")).json()["run"]
    assert run["status"] == "cancelled"
    assert run["progress"]["done"] == len(kept)


async def test_the_stream_follows_a_run_from_progress_to_end(
    api: httpx.AsyncClient, chat: dict[str, Any]
) -> None:
    from tests.runs.test_endpoints import parse_events

    with scripted_writer(delay=0.3):
        response = await generate(api, chat["id"], {"leads": leads("Ada", "Grace", "Alan", "Ken")})
        body = response.json()
        url = f"/api/runs/{body['runId']}/stream"
        streamed = await api.get(url, params={"token": body["publicAccessToken"]})
    events = parse_events(streamed.text)
    names = [name for name, _ in events]
    assert names[-1] == "end"
    assert names.count("end") == 1
    assert names.count("progress") >= 2  # queued or running, then more, then completed
    done = [data["run"]["progress"]["done"] for name, data in events if name == "progress"]
    assert done == sorted(done)
    assert done[-1] == 4
    assert events[-1][1]["run"]["status"] == "completed"
