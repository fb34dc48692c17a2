from __future__ import annotations

import httpx

from tests.fixtures.factories import Account


async def test_me_returns_the_keys_account(api: httpx.AsyncClient, account: Account) -> None:
    response = await api.get("/api/me")
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "owner@example.com"
    assert response.json()["user"]["id"] == str(account.user.id)


async def test_missing_key_is_401_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_unknown_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/me", headers={"Authorization": "Bearer pk_live_nope"})
    assert response.status_code == 401
