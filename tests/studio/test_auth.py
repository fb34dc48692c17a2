"""Signing in, the session cookie, CSRF, one-time links, and ownership (no browser)."""

from __future__ import annotations

import httpx

from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.studio.links import issue_link
from tests.fixtures.factories import Account
from tests.studio.conftest import csrf_of, sign_in


async def test_pages_redirect_to_sign_in(client: httpx.AsyncClient) -> None:
    reply = await client.get("/campaigns/00000000-0000-0000-0000-000000000000?q=x")
    assert reply.status_code == 303
    assert reply.headers["location"].startswith("/login?next=/campaigns/")


async def test_bad_key_is_refused(client: httpx.AsyncClient) -> None:
    reply = await client.post("/login", data={"api_key": "pk_live_nope"})
    assert reply.status_code == 401
    assert "not valid" in reply.text


async def test_session_cookie_flags_and_no_key_in_pages(
    client: httpx.AsyncClient, account: Account
) -> None:
    reply = await client.post("/login", data={"api_key": account.key, "next": "//evil.example"})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/"  # no open redirect
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http here; https sets it
    page = await client.get("/")
    assert account.key not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "same-origin"
    assert account.key not in reply.headers["set-cookie"]


async def test_forged_cookie_is_refused(client: httpx.AsyncClient, account: Account) -> None:
    await sign_in(client, account.key)
    value = client.cookies["coldcraft_studio"]
    client.cookies.set("coldcraft_studio", value[:-3] + "AAA")
    assert (await client.get("/")).status_code == 303


async def test_csrf_is_required(client: httpx.AsyncClient, account: Account) -> None:
    token = await sign_in(client, account.key)
    refused = await client.post("/campaigns", data={"name": "No token"})
    assert refused.status_code == 403
    wrong = await client.post("/campaigns", data={"name": "Bad", "csrf_token": token + "x"})
    assert wrong.status_code == 403
    made = await client.post("/campaigns", data={"name": "Good", "csrf_token": token})
    assert made.status_code == 303
    assert "Good" in (await client.get("/")).text
    assert "No token" not in (await client.get("/")).text


async def test_sign_out(client: httpx.AsyncClient, account: Account) -> None:
    token = await sign_in(client, account.key)
    reply = await client.post("/logout", data={"csrf_token": token})
    assert reply.status_code == 303
    assert (await client.get("/")).status_code == 303


async def test_one_time_link_works_once(
    client: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    async with unit_of_work(sessionmaker) as session:
        token = await issue_link(session, account.user)
    first = await client.get(f"/login/link?token={token}")
    assert first.status_code == 303
    assert "coldcraft_studio" in first.headers["set-cookie"]
    client.cookies.clear()
    again = await client.get(f"/login/link?token={token}")
    assert again.status_code == 401
    assert "used or has expired" in again.text


async def test_other_accounts_campaign_is_404(
    client: httpx.AsyncClient, account: Account, other_account: Account
) -> None:
    token = await sign_in(client, account.key)
    made = await client.post("/campaigns", data={"name": "Mine", "csrf_token": token})
    url = made.headers["location"]
    client.cookies.clear()
    other = await sign_in(client, other_account.key)
    assert (await client.get(url)).status_code == 404
    assert (await client.get(url + "/review")).status_code == 404
    renamed = await client.post(url + "/rename", data={"name": "Theirs", "csrf_token": other})
    assert renamed.status_code == 404
    deleted = await client.post(url + "/delete", data={"csrf_token": other})
    assert deleted.status_code == 404


async def test_rename_and_delete(client: httpx.AsyncClient, account: Account) -> None:
    token = await sign_in(client, account.key)
    made = await client.post("/campaigns", data={"name": "Old", "csrf_token": token})
    url = made.headers["location"]
    await client.post(url + "/rename", data={"name": "New name", "csrf_token": token})
    assert "New name" in (await client.get("/")).text
    confirm = await client.get(url + "/delete")
    assert "cannot be undone" in confirm.text
    csrf = csrf_of(confirm.text)
    assert (await client.post(url + "/delete", data={"csrf_token": csrf})).status_code == 303
    assert "New name" not in (await client.get("/")).text


async def test_a_form_without_a_session_goes_to_sign_in(client: httpx.AsyncClient) -> None:
    reply = await client.post("/campaigns", data={"name": "x"})
    assert reply.status_code == 303
    assert reply.headers["location"] == "/login?next=/"
    fetched = await client.post("/campaigns", headers={"Accept": "application/json"})
    assert fetched.status_code == 401
