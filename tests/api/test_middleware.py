from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from coldcraft.api.ratelimit import TokenBuckets
from coldcraft.app import create_app
from coldcraft.config import Settings
from tests.fixtures.factories import Account


@pytest.fixture
async def limited_client(
    settings: Settings, app: FastAPI, account: Account
) -> AsyncIterator[httpx.AsyncClient]:
    limited = create_app(settings.model_copy(update={"rate_limit_per_minute": 3}))
    limited.state.engine = app.state.engine
    limited.state.sessionmaker = app.state.sessionmaker
    transport = httpx.ASGITransport(app=limited, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers=account.headers
    ) as client:
        yield client


async def test_key_over_budget_gets_429_with_retry_after(
    limited_client: httpx.AsyncClient,
) -> None:
    responses = [await limited_client.get("/api/me") for _ in range(4)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    rejected = responses[-1]
    assert rejected.json()["error"]["code"] == "rate_limited"
    assert int(rejected.headers["retry-after"]) >= 1
    assert rejected.headers["ratelimit-policy"] == '"default";q=3;w=60'
    assert responses[0].headers["ratelimit"].startswith('"default";r=2;')


def test_bucket_refills_over_time() -> None:
    buckets = TokenBuckets(per_minute=60, burst=1)
    assert buckets.take("k", now=0.0)[0]
    allowed, _, wait = buckets.take("k", now=0.1)
    assert not allowed
    assert wait == pytest.approx(0.9, abs=0.01)
    assert buckets.take("k", now=1.05)[0]


async def test_rate_limit_is_off_by_default(api: httpx.AsyncClient) -> None:
    statuses = {(await api.get("/api/me")).status_code for _ in range(20)}
    assert statuses == {200}


async def test_every_response_carries_a_request_id(client: httpx.AsyncClient) -> None:
    generated = await client.get("/api/me")
    echoed = await client.get("/api/me", headers={"X-Request-ID": "abc-123"})
    assert len(generated.headers["x-request-id"]) == 32
    assert echoed.headers["x-request-id"] == "abc-123"


async def test_access_log_has_no_secrets(
    api: httpx.AsyncClient, account: Account, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="coldcraft.access"):
        await api.get("/api/me?token=secret-run-token")
    logged = " ".join(str(getattr(r, "fields", "")) + r.getMessage() for r in caplog.records)
    assert "/api/me" in logged
    assert account.key not in logged
    assert "secret-run-token" not in logged
