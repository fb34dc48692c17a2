from __future__ import annotations

import httpx

from coldcraft.accounts.service import account_service
from coldcraft.store.session import SessionMaker, unit_of_work
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


async def test_a_revoked_key_is_refused_at_once(
    api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    assert (await api.get("/api/me")).status_code == 200  # now cached as verified
    async with unit_of_work(sessionmaker) as session:
        assert await account_service.revoke_key(session, account.key)
    response = await api.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key"
