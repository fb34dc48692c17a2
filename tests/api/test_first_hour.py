"""What a user hits in the first hour: /docs works offline (Swagger UI served by this server,
never from a CDN), and a trailing slash gets the answer."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account


async def test_the_docs_page_loads_everything_from_this_server(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, page.text
    assert all(src.startswith("/") for src in sources), sources  # no https://cdn...
    assert "openapi.json" in page.text
    for src in sources:
        asset = await client.get(src)
        assert asset.status_code == 200, src
        assert len(asset.content) > 100, src


async def test_redoc_from_a_cdn_is_not_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/redoc")).status_code == 404


async def test_a_trailing_slash_gets_the_answer_not_a_redirect(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/campaigns/")
    assert response.status_code == 200, response.text
    assert response.json() == (await api.get("/api/campaigns")).json()
    created = await api.post("/api/campaigns/", json={"type": "email", "name": "Slash"})
    assert created.status_code in (200, 201), created.text


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"content": '{"type": "email", "name": "x"}'}, "(got no Content-Type)"),
        ({"data": {"type": "email", "name": "x"}}, "(got 'application/x-www-form-urlencoded')"),
    ],
)
async def test_a_body_that_is_not_sent_as_json_says_how_to_send_it(
    api: httpx.AsyncClient, kwargs: dict[str, Any], expected: str
) -> None:
    response = await api.post("/api/campaigns", **kwargs)
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    assert "Content-Type: application/json" in message
    assert expected in message


async def test_a_key_without_the_bearer_scheme_says_so(
    client: httpx.AsyncClient, account: Account
) -> None:
    response = await client.get("/api/campaigns", headers={"Authorization": account.key})
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert "must be 'Bearer <api key>'" in message
    assert account.key not in message  # never echo a key back
