"""Run tokens (`publicAccessToken`) replayed where they do not belong.

A run token reads one run (GET run, its stream) and nothing else. The routes are read from
the app: a route accepts a run token when its dependencies include `get_readable_run`; every
other route needs an API key (`get_current_user`, or `get_detached_user` where the service
owns its transactions); `/healthz` is the only public one. Over
those routes, with the token as `Authorization: Bearer` and as `?token=`:

- another run's token (same account, other account) -> 404 `Run not found`, no row changed;
- a run token on any API-key route (the run's own cancel and token included) -> 401;
- an expired token (issued through the `run_token_ttl_seconds` setting) -> 401;
- a tampered token (signature flipped, re-signed with another secret, payload swapped or
  extended, signature cut) -> 401 `Invalid run token`.
Every answer is compared with the whole envelope, and the database is snapshotted around it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from coldcraft.api.deps import get_current_user, get_detached_user
from coldcraft.config import Settings
from coldcraft.routes import api_router
from coldcraft.runs.deps import get_readable_run
from coldcraft.runs.service import RUN_NOT_FOUND, run_service
from coldcraft.runs.tokens import TOKEN_PREFIX, issue_token
from coldcraft.store.session import SessionMaker
from tests.api.test_authorization import build_request, snapshot
from tests.fixtures.campaigns import create_campaign
from tests.fixtures.factories import Account
from tests.fixtures.world import World, build_world, create_run_row

TRANSPORTS = ("bearer", "query")
IDEMPOTENCY = {"Idempotency-Key": "replayed-run-token"}
NOT_FOUND = {"error": {"code": "not_found", "message": RUN_NOT_FOUND}}
EXPIRED = {
    "error": {
        "code": "unauthorized",
        "message": "Run token expired; request a new one with POST /api/runs/{id}/token",
    }
}
INVALID_TOKEN = {"error": {"code": "unauthorized", "message": "Invalid run token"}}
# A run token is not an API key: as a Bearer it is refused as one; as `?token=` it is ignored
# and the key is missing.
NOT_A_KEY = {
    "bearer": {"error": {"code": "unauthorized", "message": "Invalid or revoked API key"}},
    "query": {
        "error": {
            "code": "unauthorized",
            "message": "Missing API key: send 'Authorization: Bearer <api key>'",
        }
    },
}


# --- The routes, by what authorises them --------------------------------------------------


def _dependencies(dependant: Any) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _dependencies(sub)


def routes_by_auth(routes: Any) -> dict[str, list[tuple[str, str]]]:
    """The routes by credential: "token" (a run token reads it), "key" (an API key only) or
    "public" (none)."""
    found: dict[str, list[tuple[str, str]]] = {"token": [], "key": [], "public": []}
    for context in iter_route_contexts(routes):
        route = context.route
        if not (isinstance(route, APIRoute) and route.include_in_schema):
            continue
        calls = set(_dependencies(route.dependant))
        auth = "token" if get_readable_run in calls else "key"
        auth = auth if {get_readable_run, get_current_user, get_detached_user} & calls else "public"
        found[auth].extend((m, context.path or "") for m in sorted(context.methods or ()))
    return found


ROUTES = routes_by_auth(api_router.routes)
TOKEN_CASES = [(m, p, t) for m, p in ROUTES["token"] for t in TRANSPORTS]
TOKEN_IDS = [f"{m} {p} {t}" for m, p, t in TOKEN_CASES]


def test_the_routes_are_classified() -> None:
    assert ROUTES["token"] == [("GET", "/api/runs/{run_id}"), ("GET", "/api/runs/{run_id}/stream")]
    assert ROUTES["public"] == [("GET", "/healthz")]
    assert ("POST", "/api/runs/{run_id}/cancel") in ROUTES["key"]
    assert len(ROUTES["key"]) >= 30


async def test_the_walk_covers_every_route_of_the_app(app: FastAPI) -> None:
    assert routes_by_auth(app.routes) == ROUTES


# --- Runs and their tokens ----------------------------------------------------------------


@dataclass
class Runs:
    mine: str  # the token's run
    sibling: str  # another run of the same account
    foreign: str  # a run of another account
    tokens: dict[str, str]  # run id -> its publicAccessToken


@pytest.fixture
async def runs(
    app: FastAPI,
    api: httpx.AsyncClient,
    account: Account,
    other_account: Account,
    sessionmaker: SessionMaker,
    settings: Settings,
) -> Runs:
    campaign = (await create_campaign(api))["id"]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=other_account.headers
    ) as other:
        other_campaign = (await create_campaign(other))["id"]
    mine = await create_run_row(sessionmaker, account, campaign_id=campaign)
    sibling = await create_run_row(sessionmaker, account, campaign_id=campaign)
    foreign = await create_run_row(sessionmaker, other_account, campaign_id=other_campaign)
    tokens = {run: run_service.issue_token(settings, run) for run in (mine, sibling, foreign)}
    return Runs(mine, sibling, foreign, tokens)


@pytest.fixture
async def anon(app: FastAPI, sessionmaker: SessionMaker) -> AsyncIterator[httpx.AsyncClient]:
    """A client without an API key: the token is its only credential."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def with_token(request: dict[str, Any], token: str, transport: str) -> dict[str, Any]:
    if transport == "bearer":
        headers = {**request.get("headers", {}), "Authorization": f"Bearer {token}"}
        return {**request, "headers": headers}
    return {**request, "params": {**request.get("params", {}), "token": token}}


async def send(client: httpx.AsyncClient, request: dict[str, Any]) -> httpx.Response:
    # A stream that wrongly opened would never end: bound it.
    return await asyncio.wait_for(client.request(**request), timeout=10)


def run_url(path: str, run_id: str) -> str:
    return path.replace("{run_id}", run_id)


# --- A token reads its own run only -------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "transport"), TOKEN_CASES, ids=TOKEN_IDS)
async def test_a_runs_token_is_404_on_any_other_run(
    anon: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    runs: Runs,
    method: str,
    path: str,
    transport: str,
) -> None:
    replays = [
        (runs.mine, runs.sibling),  # same account
        (runs.mine, runs.foreign),  # another account's run
        (runs.foreign, runs.mine),  # another account's token on ours
    ]
    before = await snapshot(sessionmaker)
    for token_run, target in replays:
        request = {"method": method, "url": run_url(path, target)}
        response = await send(anon, with_token(request, runs.tokens[token_run], transport))
        assert response.status_code == 404, f"token of {token_run} on {target}: {response.text}"
        assert response.json() == NOT_FOUND
    assert await snapshot(sessionmaker) == before
    # Control: the same token reads its own run, so the 404s came from the run check.
    own = with_token(
        {"method": "GET", "url": f"/api/runs/{runs.mine}"}, runs.tokens[runs.mine], transport
    )
    assert (await send(anon, own)).status_code == 200


@pytest.mark.parametrize(("method", "path", "transport"), TOKEN_CASES, ids=TOKEN_IDS)
async def test_an_expired_token_is_401(
    anon: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    settings: Settings,
    runs: Runs,
    method: str,
    path: str,
    transport: str,
) -> None:
    # The seam is the setting: a token issued with a negative lifetime has expired already.
    expired_settings = settings.model_copy(update={"run_token_ttl_seconds": -60})
    token = run_service.issue_token(expired_settings, runs.mine)
    before = await snapshot(sessionmaker)
    request = {"method": method, "url": run_url(path, runs.mine)}
    response = await send(anon, with_token(request, token, transport))
    assert response.status_code == 401
    assert response.json() == EXPIRED
    assert await snapshot(sessionmaker) == before


# --- Tampered tokens ----------------------------------------------------------------------


def _parts(token: str) -> tuple[str, str]:
    payload, _, signature = token.removeprefix(TOKEN_PREFIX).partition(".")
    return payload, signature


def _payload(run_id: str, expires_at: int) -> str:
    return base64.urlsafe_b64encode(f"{run_id}.{expires_at}".encode()).rstrip(b"=").decode()


def _flip(text: str) -> str:
    last = text[-1]
    return text[:-1] + ("A" if last != "A" else "B")


def tampered_tokens(runs: Runs) -> dict[str, tuple[str, str]]:
    """name -> (a token that must not verify, the run it claims and is sent to)."""
    payload, signature = _parts(runs.tokens[runs.mine])
    _, sibling_signature = _parts(runs.tokens[runs.sibling])
    expires_at = int(base64.urlsafe_b64decode(payload + "==").decode().rpartition(".")[2])
    far_future = 4_102_444_800  # 2100-01-01
    other_secret = issue_token("not-the-secret", runs.mine, ttl_seconds=3600)
    forged = {
        "signature flipped": (f"{payload}.{_flip(signature)}", runs.mine),
        "signature of another run": (f"{payload}.{sibling_signature}", runs.mine),
        "signed with another secret": (other_secret.removeprefix(TOKEN_PREFIX), runs.mine),
        "expiry extended": (f"{_payload(runs.mine, far_future)}.{signature}", runs.mine),
        "run swapped": (f"{_payload(runs.sibling, expires_at)}.{signature}", runs.sibling),
        "signature cut": (f"{payload}.{signature[:-4]}", runs.mine),
        "signature empty": (f"{payload}.", runs.mine),
        "no signature": (payload, runs.mine),
    }
    return {name: (TOKEN_PREFIX + token, run) for name, (token, run) in forged.items()}


@pytest.mark.parametrize(("method", "path", "transport"), TOKEN_CASES, ids=TOKEN_IDS)
async def test_a_tampered_token_is_401(
    anon: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    runs: Runs,
    method: str,
    path: str,
    transport: str,
) -> None:
    before = await snapshot(sessionmaker)
    failures = []
    for name, (token, target) in tampered_tokens(runs).items():
        request = {"method": method, "url": run_url(path, target)}
        response = await send(anon, with_token(request, token, transport))
        if response.status_code != 401 or response.json() != INVALID_TOKEN:
            failures.append(f"{name}: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert await snapshot(sessionmaker) == before


# --- A run token is not an API key --------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_run_token_is_401_on_every_api_key_route(
    anon: httpx.AsyncClient,
    api: httpx.AsyncClient,
    account: Account,
    sessionmaker: SessionMaker,
    settings: Settings,
    transport: str,
) -> None:
    """Every route that needs an API key, with valid bodies and the caller's own ids (the run
    of the token included: its cancel and token routes are the tempting ones)."""
    world: World = await build_world(api, account, sessionmaker)
    token = run_service.issue_token(settings, str(world["run"]))
    document = (await api.get("/openapi.json")).json()
    failures = []
    for method, path in ROUTES["key"]:
        # Idempotency-Key too: the work-starting POSTs authenticate in that middleware first.
        request = {**build_request(document, method, path, world), "headers": IDEMPOTENCY}
        before = await snapshot(sessionmaker)
        response = await send(anon, with_token(request, token, transport))
        if response.status_code != 401 or response.json() != NOT_A_KEY[transport]:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:200]}")
        if await snapshot(sessionmaker) != before:
            failures.append(f"{method} {path}: the database changed")
    assert not failures, "\n".join(failures)
    # Control: the token is valid (it reads its run), so the 401s say "not an API key".
    own = with_token({"method": "GET", "url": f"/api/runs/{world['run']}"}, token, transport)
    assert (await send(anon, own)).status_code == 200
