"""The runs API: status, stream, cancel and tokens, with API keys and run tokens."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from coldcraft.config import Settings
from coldcraft.runs.tokens import issue_token
from tests.fixtures.factories import Account


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_owner_reads_a_run_with_the_api_key(
    api: httpx.AsyncClient, finished_run: dict[str, str], chat: dict[str, Any]
) -> None:
    response = await api.get(f"/api/runs/{finished_run['id']}")
    assert response.status_code == 200
    run = response.json()["run"]
    assert run["id"] == finished_run["id"]
    assert run["kind"] == "test-echo"
    assert run["status"] == "completed"
    assert run["session_id"] == chat["id"]
    assert run["campaign_id"] == chat["campaign"]["id"]
    assert run["progress"] == {"total": 2, "done": 2, "failed": 0}
    assert run["error"] is None
    assert run["usage"] == {
        "input_tokens": 20,
        "output_tokens": 10,
        "cache_read_tokens": 12,  # prompt caching at work, summed over the items
        "cache_write_tokens": 0,
        "requests": 2,
        "cost_usd": 0.002,
    }
    assert run["created_at"]
    assert run["started_at"]
    assert run["finished_at"]


async def test_the_runs_token_reads_it_as_bearer_or_query(
    anon: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    url = f"/api/runs/{finished_run['id']}"
    assert (await anon.get(url, headers=bearer(finished_run["token"]))).status_code == 200
    response = await anon.get(url, params={"token": finished_run["token"]})
    assert response.status_code == 200
    assert response.json()["run"]["id"] == finished_run["id"]


async def test_a_token_for_another_run_returns_404(
    anon: httpx.AsyncClient, finished_run: dict[str, str], settings: Settings
) -> None:
    other = issue_token(
        settings.resolved_secret_key(), "run_someoneelse0000000000000000", ttl_seconds=60
    )
    response = await anon.get(f"/api/runs/{finished_run['id']}", headers=bearer(other))
    assert response.status_code == 404


async def test_an_expired_token_returns_401(
    anon: httpx.AsyncClient, finished_run: dict[str, str], settings: Settings
) -> None:
    expired = issue_token(settings.resolved_secret_key(), finished_run["id"], ttl_seconds=-1)
    response = await anon.get(f"/api/runs/{finished_run['id']}", params={"token": expired})
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


@pytest.mark.parametrize("mangle", ["tr_pat_bogus", "tr_pat_", "tr_pat_x.y"])
async def test_a_forged_token_returns_401(
    anon: httpx.AsyncClient, finished_run: dict[str, str], mangle: str
) -> None:
    response = await anon.get(f"/api/runs/{finished_run['id']}", headers=bearer(mangle))
    assert response.status_code == 401


async def test_a_token_signed_with_another_secret_returns_401(
    anon: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    forged = issue_token("not-the-secret", finished_run["id"], ttl_seconds=60)
    response = await anon.get(f"/api/runs/{finished_run['id']}", headers=bearer(forged))
    assert response.status_code == 401


async def test_another_accounts_key_gets_404(
    anon: httpx.AsyncClient, finished_run: dict[str, str], other_account: Account
) -> None:
    url = f"/api/runs/{finished_run['id']}"
    response = await anon.get(url, headers=other_account.headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_no_credentials_return_401(anon: httpx.AsyncClient) -> None:
    response = await anon.get("/api/runs/run_01abcdefghijklmnopqrstuvwx")
    assert response.status_code == 401


async def test_an_unknown_run_returns_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/runs/run_01abcdefghijklmnopqrstuvwx")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["", "/stream", "/cancel", "/token"])
async def test_a_run_id_without_the_run_prefix_returns_400(
    api: httpx.AsyncClient, path: str
) -> None:
    method = api.get if path in ("", "/stream") else api.post
    response = await method(f"/api/runs/{uuid.uuid4()}{path}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_cancel_and_token_need_the_api_key(
    anon: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    for path in ("cancel", "token"):
        url = f"/api/runs/{finished_run['id']}/{path}"
        response = await anon.post(url, headers=bearer(finished_run["token"]))
        assert response.status_code == 401


async def test_a_fresh_token_reads_the_run(
    api: httpx.AsyncClient, anon: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    response = await api.post(f"/api/runs/{finished_run['id']}/token")
    assert response.status_code == 200
    token = response.json()["publicAccessToken"]
    assert token.startswith("tr_pat_")
    read = await anon.get(f"/api/runs/{finished_run['id']}", params={"token": token})
    assert read.status_code == 200


async def test_cancelling_a_finished_run_returns_it_unchanged(
    api: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    response = await api.post(f"/api/runs/{finished_run['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["run"]["status"] == "completed"


async def test_cancel_of_another_accounts_run_returns_404(
    anon: httpx.AsyncClient, finished_run: dict[str, str], other_account: Account
) -> None:
    url = f"/api/runs/{finished_run['id']}/cancel"
    assert (await anon.post(url, headers=other_account.headers)).status_code == 404


def parse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        name = next((line[7:] for line in lines if line.startswith("event: ")), None)
        data = "".join(line[6:] for line in lines if line.startswith("data: "))
        if name:
            events.append((name, json.loads(data)))
    return events


async def test_the_stream_of_a_finished_run_sends_progress_then_end(
    anon: httpx.AsyncClient, finished_run: dict[str, str]
) -> None:
    url = f"/api/runs/{finished_run['id']}/stream"
    response = await anon.get(url, params={"token": finished_run["token"]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = parse_events(response.text)
    assert [name for name, _ in events] == ["progress", "end"]
    assert events[-1][1]["run"]["status"] == "completed"


async def test_the_runs_list_shows_only_the_callers_runs_newest_first(
    client: httpx.AsyncClient,
    api: httpx.AsyncClient,
    other_account: Account,
    finished_run: dict[str, str],
    chat: dict[str, Any],
) -> None:
    listed = await api.get("/api/runs")
    assert listed.status_code == 200, listed.text
    page = listed.json()
    assert (page["total"], page["page"], page["limit"]) == (1, 1, 50)
    assert [r["id"] for r in page["runs"]] == [finished_run["id"]]

    by_status = await api.get("/api/runs", params={"status": "running"})
    assert by_status.json()["total"] == 0
    by_campaign = await api.get("/api/runs", params={"campaign_id": chat["campaign"]["id"]})
    assert by_campaign.json()["total"] == 1
    assert (await api.get("/api/runs", params={"status": "sideways"})).status_code == 400

    others = await client.get("/api/runs", headers=bearer(other_account.key))
    assert others.json() == {"runs": [], "total": 0, "page": 1, "limit": 50}
