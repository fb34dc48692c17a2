from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from coldcraft import app as app_module
from coldcraft.accounts.service import hash_key
from coldcraft.api.ratelimit import TokenBuckets
from coldcraft.app import create_app, create_served_app
from coldcraft.config import Settings
from coldcraft.store.models import ApiKey
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account


@pytest.fixture
async def limited_client(
    settings: Settings, app: FastAPI, account: Account
) -> AsyncIterator[httpx.AsyncClient]:
    limited = _app_sharing_the_database(app, settings, rate_limit_per_minute=3)
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


def _app_sharing_the_database(app: FastAPI, settings: Settings, **update: object) -> FastAPI:
    other = create_app(settings.model_copy(update=update))
    other.state.engine = app.state.engine
    other.state.sessionmaker = app.state.sessionmaker
    return other


PREFLIGHT = {"Origin": "https://crm.example.com", "Access-Control-Request-Method": "POST"}


async def test_cors_is_off_by_default(client: httpx.AsyncClient, account: Account) -> None:
    preflight = await client.options("/api/me", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
    cross = await client.get("/api/me", headers={**account.headers, "Origin": PREFLIGHT["Origin"]})
    assert cross.status_code == 200
    assert "access-control-allow-origin" not in cross.headers


async def test_cors_allows_only_the_configured_origins(
    app: FastAPI, settings: Settings, account: Account
) -> None:
    allowed = _app_sharing_the_database(app, settings, cors_origins=["https://crm.example.com"])
    transport = httpx.ASGITransport(app=allowed)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ok = await client.options("/api/me", headers=PREFLIGHT)
        assert ok.headers["access-control-allow-origin"] == "https://crm.example.com"
        evil = await client.options(
            "/api/me", headers={**PREFLIGHT, "Origin": "https://evil.example.com"}
        )
        assert "access-control-allow-origin" not in evil.headers


async def test_api_keys_are_stored_hashed_never_in_clear(
    sessionmaker: SessionMaker, account: Account
) -> None:
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.execute(select(ApiKey))).scalars().all()
    assert rows
    for row in rows:
        stored = " ".join(str(getattr(row, c.key)) for c in ApiKey.__table__.columns)
        assert account.key not in stored
        assert row.key_hash == hash_key(account.key)


async def test_the_served_app_freezes_its_start_up_heap(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`coldcraft serve`'s app moves start-up objects out of the collector's reach (a full
    collection scanned 280,000 of them: 160 ms with the server stalled); the plain app
    (tests, embedding) leaves the collector alone."""
    # No run executor: a second engine in this process would stop the suite's own.
    quiet = settings.model_copy(update={"executor": "none"})
    monkeypatch.setattr(app_module, "get_settings", lambda: quiet)
    gc.unfreeze()
    plain = create_app(quiet)
    async with plain.router.lifespan_context(plain):
        assert gc.get_freeze_count() == 0
    served = create_served_app()
    try:
        async with served.router.lifespan_context(served):
            assert gc.get_freeze_count() > 100_000
    finally:
        gc.unfreeze()
