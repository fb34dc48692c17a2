"""`coldcraft runs`: get, token, cancel, wait (SSE progress, polling fallback, exit codes)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.cli.conftest import Invoke, make_invoke, ok_json, session_with_skeleton

TERMINAL = {"completed", "failed", "cancelled"}


async def _examples_run(cli: Invoke, leads: int = 2) -> dict[str, str]:
    _, _, session_id = await session_with_skeleton(cli, leads=leads)
    started: dict[str, str] = ok_json(
        await cli("examples", "generate", session_id, "--from-campaign", str(leads))
    )
    return started


async def test_wait_follows_the_run_to_completion_with_a_progress_bar(cli: Invoke) -> None:
    started = await _examples_run(cli, leads=3)
    result = await cli("runs", "wait", started["runId"])
    run = ok_json(result)["run"]
    assert run["status"] == "completed"
    assert run["progress"]["done"] + run["progress"]["failed"] == 3
    assert "generate-email-examples completed" in result.stderr
    assert "3/3" in result.stderr


async def test_get_with_the_api_key_or_the_public_token(cli: Invoke, live_url: str) -> None:
    started = await _examples_run(cli)
    ok_json(await cli("runs", "wait", started["runId"]))
    by_key = ok_json(await cli("runs", "get", started["runId"]))["run"]
    assert by_key["id"] == started["runId"]
    tokenless = make_invoke({"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": ""})
    by_token = await tokenless(
        "runs", "get", started["runId"], "--token", started["publicAccessToken"]
    )
    assert ok_json(by_token)["run"]["id"] == started["runId"]
    table = await cli("runs", "get", started["runId"], "--format", "table")
    assert "generate-email-examples" in table.stdout


async def test_wait_with_the_public_token(cli: Invoke, live_url: str) -> None:
    started = await _examples_run(cli)
    tokenless = make_invoke({"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": ""})
    result = await tokenless(
        "runs", "wait", started["runId"], "--token", started["publicAccessToken"]
    )
    assert ok_json(result)["run"]["status"] == "completed"


async def test_token_mints_a_fresh_public_token(cli: Invoke) -> None:
    started = await _examples_run(cli)
    token = ok_json(await cli("runs", "token", started["runId"]))["publicAccessToken"]
    assert token
    assert ok_json(await cli("runs", "get", started["runId"], "--token", token))["run"]


async def test_cancel_returns_the_run_and_wait_reports_how_it_ended(cli: Invoke) -> None:
    started = await _examples_run(cli, leads=5)
    run = ok_json(await cli("runs", "cancel", started["runId"]))["run"]
    assert run["id"] == started["runId"]
    result = await cli("runs", "wait", started["runId"])
    final = json.loads(result.stdout)["run"]
    assert final["status"] in TERMINAL
    assert result.exit_code == (0 if final["status"] == "completed" else 4)


async def test_a_run_id_without_the_run_prefix_is_400(cli: Invoke) -> None:
    result = await cli("runs", "get", "nope")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "invalid_request"


# --- a stand-in server: the stream is broken and the run fails --------------------------


def _run(status: str, done: int = 2) -> dict[str, Any]:
    progress = {"total": 4, "done": done, "failed": 4 - done if status == "failed" else 0}
    return {"id": "run_x", "kind": "generate-ai-messages", "status": status, "progress": progress}


class _FakeRuns(BaseHTTPRequestHandler):
    """A stand-in API. Stream broken: /stream -> 500 and GET run -> running, then failed.
    Stream working: /stream sends a ping, progress and end; GET run -> completed."""

    polls = 0
    stream_works = False

    def do_GET(self) -> None:
        cls = type(self)
        if self.path.endswith("/stream"):
            if cls.stream_works:
                self._stream()
            else:
                self._send(500, {"error": {"code": "internal", "message": "stream broke"}})
            return
        cls.polls += 1
        if cls.stream_works:
            self._send(200, {"run": _run("completed", done=4)})
        else:
            self._send(200, {"run": _run("running" if cls.polls == 1 else "failed")})

    def _stream(self) -> None:
        events = [
            ": ping\n\n",
            f"event: progress\ndata: {json.dumps({'run': _run('running', done=1)})}\n\n",
            f"event: end\ndata: {json.dumps({'run': _run('completed', done=4)})}\n\n",
        ]
        data = "".join(events).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_runs_url() -> Iterator[str]:
    _FakeRuns.polls = 0
    _FakeRuns.stream_works = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeRuns)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}"
    server.shutdown()
    server.server_close()


async def test_wait_polls_when_the_stream_fails_and_exits_4_on_failure(
    fake_runs_url: str,
) -> None:
    invoke = make_invoke({"COLDCRAFT_API_URL": fake_runs_url, "COLDCRAFT_API_KEY": "k"})
    result = await invoke("runs", "wait", "run_x")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["run"]["status"] == "failed"
    assert _FakeRuns.polls >= 2  # polled until terminal, then read once more
    assert "did not complete (status: failed)" in result.stderr


async def test_wait_gives_up_at_the_timeout(fake_runs_url: str) -> None:
    invoke = make_invoke({"COLDCRAFT_API_URL": fake_runs_url, "COLDCRAFT_API_KEY": "k"})
    result = await invoke("runs", "wait", "run_x", "--timeout", "0")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["run"]["status"] == "failed"  # the final read


async def test_wait_follows_the_stream_and_reads_the_run_once_at_the_end(
    fake_runs_url: str,
) -> None:
    _FakeRuns.stream_works = True
    invoke = make_invoke({"COLDCRAFT_API_URL": fake_runs_url, "COLDCRAFT_API_KEY": "k"})
    result = await invoke("runs", "wait", "run_x")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["run"]["status"] == "completed"
    assert _FakeRuns.polls == 1  # no polling: only the final read
    assert "4/4" in result.stderr


async def test_list_shows_the_runs_newest_first(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli, leads=2)
    runs = []
    for _ in range(2):
        args = ("examples", "generate", session_id, "--from-campaign", "2")
        runs.append(ok_json(await cli(*args)))
        await cli("runs", "wait", runs[-1]["runId"])
    first, second = runs
    listed = ok_json(await cli("runs", "list"))
    assert [r["id"] for r in listed["runs"]][:2] == [second["runId"], first["runId"]]
    done = ok_json(await cli("runs", "list", "--status", "completed", "--limit", "1"))
    assert (len(done["runs"]), done["total"]) == (1, listed["total"])
    table = await cli("runs", "list", "-F", "table")
    assert table.exit_code == 0
    assert "generate-email-examples" in table.stdout
