"""Studio fixtures: a signed-in browser-like client (cookie + CSRF token) on the test app."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.fixtures.factories import Account

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def sign_in(client: httpx.AsyncClient, key: str) -> str:
    """Sign in with an API key; returns the session's CSRF token."""
    reply = await client.post("/login", data={"api_key": key, "next": "/"})
    assert reply.status_code == 303, reply.text
    page = await client.get("/")
    assert page.status_code == 200
    return csrf_of(page.text)


@pytest.fixture
async def studio(client: httpx.AsyncClient, account: Account) -> httpx.AsyncClient:
    """The client, signed in to the studio as `account`; its CSRF token in `studio.csrf`."""
    token = await sign_in(client, account.key)
    client.csrf = token  # type: ignore[attr-defined]
    return client


async def import_csv(
    studio: httpx.AsyncClient, url: str, csv: bytes, header: list[str], target: list[str]
) -> httpx.Response:
    """Upload `csv` to the campaign at `url`, map its `header` columns to `target` fields
    and import it, as a person does on the campaign page (preview, then import)."""
    csrf = studio.csrf  # type: ignore[attr-defined]
    preview = await studio.post(
        url + "/prospects/preview", data={"csrf_token": csrf}, files={"file": ("l.csv", csv)}
    )
    data = re.search(r'name="data" value="([^"]+)"', preview.text)
    assert data, "the preview has no data field"
    form = {"csrf_token": csrf, "data": data.group(1), "header": header, "target": target}
    return await studio.post(url + "/prospects/import", data=form)
