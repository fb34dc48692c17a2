"""Key scopes: `read`, `write` (create, edit, spend), `launch` (launch, pause, resume, delete)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from coldcraft.accounts.scopes import ALL_SCOPES, Scope, format_scopes, parse_scopes
from coldcraft.accounts.service import account_service
from coldcraft.api.scopes import LAUNCH_ROUTES, READ_ONLY_POSTS, required_scope
from coldcraft.errors import InvalidRequest
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import create_campaign
from tests.fixtures.factories import Account


async def _key(sessionmaker: SessionMaker, *scopes: Scope) -> dict[str, str]:
    async with unit_of_work(sessionmaker) as session:
        _, key = await account_service.create_key(
            session, email="owner@example.com", scopes=frozenset(scopes)
        )
    return {"Authorization": f"Bearer {key}"}


def test_parse_scopes() -> None:
    assert parse_scopes(None) == frozenset(ALL_SCOPES)
    assert parse_scopes(" ") == frozenset(ALL_SCOPES)
    assert parse_scopes("Write, read") == {"read", "write"}
    assert format_scopes(parse_scopes("launch,read")) == "read,launch"
    with pytest.raises(InvalidRequest, match="Unknown scope 'admin'"):
        parse_scopes("read,admin")


def test_every_route_has_a_scope_and_the_table_names_real_routes(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    routes = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert LAUNCH_ROUTES <= routes
    assert READ_ONLY_POSTS <= routes
    assert required_scope("GET", "/api/campaigns") == "read"
    assert required_scope("POST", "/api/campaigns") == "write"
    assert required_scope("DELETE", "/api/campaigns/{campaign_id}") == "launch"
    assert required_scope("PATCH", "/api/campaigns/{campaign_id}") == "write"


async def test_a_read_key_lists_but_cannot_create(
    client: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    headers = await _key(sessionmaker, "read")
    assert (await client.get("/api/campaigns", headers=headers)).status_code == 200
    body = {"type": "email", "name": "Nope"}
    response = await client.post("/api/campaigns", json=body, headers=headers)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert "'write'" in error["message"]
    # Quoting and linting change nothing: a read key may.
    lint = {"skeleton": {"subject": "Hi %first_name%", "body": "Hello %first_name%"}}
    assert (await client.post("/api/skeletons/lint", json=lint, headers=headers)).status_code == 200


async def test_a_write_key_cannot_launch_pause_or_delete(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign = await create_campaign(api)
    headers = await _key(sessionmaker, "read", "write")
    path = f"/api/campaigns/{campaign['id']}"
    assert (await api.patch(path, json={"name": "Renamed"}, headers=headers)).status_code == 200
    for method, url in (("POST", f"{path}/launch"), ("POST", f"{path}/pause"), ("DELETE", path)):
        response = await api.request(method, url, headers=headers)
        assert response.status_code == 403, (method, url)
        assert response.json()["error"]["code"] == "insufficient_scope"
        assert "'launch'" in response.json()["error"]["message"]
    assert (await api.get(path)).status_code == 200  # still there


async def test_a_launch_only_key_cannot_read(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    headers = await _key(sessionmaker, "launch")
    response = await api.get("/api/campaigns", headers=headers)
    assert response.status_code == 403
    assert "'read'" in response.json()["error"]["message"]


async def test_a_key_without_scopes_is_refused(sessionmaker: SessionMaker) -> None:
    with pytest.raises(InvalidRequest, match="at least one scope"):
        await _key(sessionmaker)


async def test_keys_list_shows_the_scopes(account: Account, sessionmaker: SessionMaker) -> None:
    await _key(sessionmaker, "read")
    async with unit_of_work(sessionmaker) as session:
        keys = await account_service.list_keys(session, email="owner@example.com")
    assert sorted(k.scopes for k in keys) == ["read", "read,write,launch"]
