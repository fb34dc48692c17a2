"""Idempotency-Key, exercised through the middleware on a small app that counts calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from coldcraft.api.idempotency import IdempotencyMiddleware
from coldcraft.store.base import utcnow
from coldcraft.store.models import IdempotencyKey
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account

PATH = "/api/campaigns/c1/generate-content"


@pytest.fixture
async def counting_client(
    sessionmaker: SessionMaker,
) -> AsyncIterator[tuple[httpx.AsyncClient, list[int]]]:
    calls: list[int] = []
    app = FastAPI()
    app.state.sessionmaker = sessionmaker

    @app.post(PATH, status_code=200)
    async def start(payload: dict[str, object]) -> dict[str, object]:
        calls.append(1)
        await asyncio.sleep(0.05)
        if payload.get("fail"):
            raise RuntimeError("boom")
        return {"n": len(calls), "echo": payload}

    app.add_middleware(IdempotencyMiddleware)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client, calls


async def test_same_key_and_body_replays_the_first_response(
    counting_client: tuple[httpx.AsyncClient, list[int]], account: Account
) -> None:
    client, calls = counting_client
    headers = {**account.headers, "Idempotency-Key": "k-1"}
    first = await client.post(PATH, json={"a": 1}, headers=headers)
    second = await client.post(PATH, json={"a": 1}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json() == {"n": 1, "echo": {"a": 1}}
    assert second.headers["idempotent-replayed"] == "true"
    assert len(calls) == 1


async def test_same_key_with_another_body_is_400(
    counting_client: tuple[httpx.AsyncClient, list[int]], account: Account
) -> None:
    client, calls = counting_client
    headers = {**account.headers, "Idempotency-Key": "k-2"}
    await client.post(PATH, json={"a": 1}, headers=headers)
    response = await client.post(PATH, json={"a": 2}, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert len(calls) == 1


async def test_concurrent_duplicates_run_once(
    counting_client: tuple[httpx.AsyncClient, list[int]], account: Account
) -> None:
    client, calls = counting_client
    headers = {**account.headers, "Idempotency-Key": "k-3"}
    responses = await asyncio.gather(
        *(client.post(PATH, json={"a": 1}, headers=headers) for _ in range(5))
    )
    # Each duplicate is refused while the first runs (409) or replays it once done (200).
    assert {r.status_code for r in responses} <= {200, 409}
    assert len({r.text for r in responses if r.status_code == 200}) == 1
    assert len(calls) == 1


async def test_keys_are_scoped_per_account(
    counting_client: tuple[httpx.AsyncClient, list[int]], account: Account, other_account: Account
) -> None:
    client, calls = counting_client
    await client.post(PATH, json={"a": 1}, headers={**account.headers, "Idempotency-Key": "k"})
    other = await client.post(
        PATH, json={"a": 1}, headers={**other_account.headers, "Idempotency-Key": "k"}
    )
    assert other.status_code == 200
    assert "idempotent-replayed" not in other.headers
    assert len(calls) == 2


async def test_server_errors_are_not_stored(
    counting_client: tuple[httpx.AsyncClient, list[int]], account: Account
) -> None:
    client, calls = counting_client
    headers = {**account.headers, "Idempotency-Key": "k-4"}
    first = await client.post(PATH, json={"fail": True}, headers=headers)
    second = await client.post(PATH, json={"fail": True}, headers=headers)
    assert first.status_code == second.status_code == 500
    assert len(calls) == 2


async def _age_keys(sessionmaker: SessionMaker, key: str, by: timedelta) -> None:
    """Move a stored key's creation back in time (as if it had been sent `by` ago)."""
    async with unit_of_work(sessionmaker) as session:
        stmt = update(IdempotencyKey).where(IdempotencyKey.key == key)
        await session.execute(stmt.values(created_at=utcnow() - by))


async def test_a_key_replays_for_24_hours_then_runs_again(
    counting_client: tuple[httpx.AsyncClient, list[int]],
    account: Account,
    sessionmaker: SessionMaker,
) -> None:
    client, calls = counting_client
    headers = {**account.headers, "Idempotency-Key": "k-5"}
    await client.post(PATH, json={"a": 1}, headers=headers)
    await _age_keys(sessionmaker, "k-5", timedelta(hours=23))
    within = await client.post(PATH, json={"a": 1}, headers=headers)
    assert within.headers["idempotent-replayed"] == "true"
    await _age_keys(sessionmaker, "k-5", timedelta(hours=25))
    after = await client.post(PATH, json={"a": 2}, headers=headers)  # even another body
    assert after.status_code == 200
    assert "idempotent-replayed" not in after.headers
    assert len(calls) == 2
