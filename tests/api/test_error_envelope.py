"""Contract: every error path answers `{"error": {"code", "message", "details"?}}`, and the
OpenAPI document lists every route with its declared error responses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from coldcraft.config import Settings
from tests.fixtures.campaigns import create_campaign
from tests.fixtures.factories import Account

SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z]+)*$")
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
JSON = {"Content-Type": "application/json"}


def assert_envelope(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) <= {"code", "message", "details"}
    assert error["code"] == code
    assert SNAKE_CASE.match(error["code"])
    assert isinstance(error["message"], str)
    assert error["message"]
    for detail in error.get("details", []):
        assert set(detail) == {"field", "message"}
        assert isinstance(detail["field"], str)
        assert isinstance(detail["message"], str)
    return error


async def test_missing_key_is_401(client: httpx.AsyncClient) -> None:
    assert_envelope(await client.get("/api/campaigns"), 401, "unauthorized")


async def test_bad_key_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/campaigns", headers={"Authorization": "Bearer pk_live_x"})
    assert_envelope(response, 401, "unauthorized")


async def test_unknown_route_is_404(api: httpx.AsyncClient) -> None:
    assert_envelope(await api.get("/api/no-such-thing"), 404, "not_found")


async def test_unknown_resource_is_404(api: httpx.AsyncClient) -> None:
    error = assert_envelope(await api.get(f"/api/campaigns/{UNKNOWN_ID}"), 404, "not_found")
    assert error["message"] == "Campaign not found"


async def test_wrong_method_is_405(api: httpx.AsyncClient) -> None:
    assert_envelope(await api.put("/api/campaigns", json={}), 405, "method_not_allowed")


async def test_malformed_json_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/campaigns", content=b'{"type": "email",', headers=JSON)
    error = assert_envelope(response, 400, "invalid_request")
    assert error["message"] == "Malformed JSON body"


@pytest.mark.parametrize("content", [b"[]", b'"email"', b"42", b"null", b""])
async def test_body_that_is_not_an_object_is_400(api: httpx.AsyncClient, content: bytes) -> None:
    response = await api.post("/api/campaigns", content=content, headers=JSON)
    assert_envelope(response, 400, "invalid_request")


async def test_wrong_types_are_400_with_details(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/campaigns", json={"type": "email", "name": 5})
    error = assert_envelope(response, 400, "invalid_request")
    assert [d["field"] for d in error["details"]] == ["name"]


async def test_unknown_field_is_400_naming_it(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/campaigns", json={"type": "email", "name": "X", "bogus": 1})
    error = assert_envelope(response, 400, "invalid_request")
    assert error["details"] == [{"field": "bogus", "message": "unknown field"}]


async def test_nested_field_is_named_with_its_path(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    url = f"/api/campaigns/{campaign['id']}/sequence/nodes"
    response = await api.post(url, json={"type": "ai", "ai_node": {"output_type": "fax"}})
    error = assert_envelope(response, 400, "invalid_request")
    assert [d["field"] for d in error["details"]] == ["ai_node.output_type"]


async def test_non_uuid_path_id_is_400(api: httpx.AsyncClient) -> None:
    error = assert_envelope(await api.get("/api/campaigns/not-a-uuid"), 400, "invalid_request")
    assert error["details"][0]["field"] == "campaign_id"


async def test_oversized_string_is_400(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/campaigns", json={"type": "email", "name": "x" * 201})
    error = assert_envelope(response, 400, "invalid_request")
    assert error["details"][0]["field"] == "name"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/campaigns", {"type": "email", "name": "a\u0000b"}),
        ("PUT", "/api/context", {"context": {"notes": "a\u0000b"}}),
    ],
)
async def test_nul_in_text_is_400_on_postgres_not_503(
    api: httpx.AsyncClient, settings: Settings, method: str, path: str, body: dict[str, Any]
) -> None:
    # Found by tests/api/test_fuzz.py: PostgreSQL refuses NUL in text, which was answered as
    # "database unavailable"; SQLite stores it.
    response = await api.request(method, path, json=body)
    if not (settings.database_url or "").startswith("postgresql"):
        assert response.status_code < 300, response.text
        return
    error = assert_envelope(response, 400, "invalid_request")
    assert error["message"] == "Invalid request: text must not contain NUL (\\u0000) characters"


async def test_body_over_2_mb_is_413(api: httpx.AsyncClient) -> None:
    body = b'{"context": {"notes": "' + b"x" * (2 * 1024 * 1024) + b'"}}'
    response = await api.put("/api/context", content=body, headers=JSON)
    assert_envelope(response, 413, "payload_too_large")


async def test_a_chunked_body_over_2_mb_is_413_too(api: httpx.AsyncClient) -> None:
    """No Content-Length to refuse it up front: the streamed bytes are counted."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"context": {"notes": "'
        for _ in range(3):
            yield b"x" * (1024 * 1024)
        yield b'"}}'

    response = await api.put("/api/context", content=chunks(), headers=JSON)
    assert "content-length" not in response.request.headers
    assert_envelope(response, 413, "payload_too_large")


async def test_duplicate_is_409(api: httpx.AsyncClient) -> None:
    await create_campaign(api, name="Twice")
    response = await api.post("/api/campaigns", json={"type": "email", "name": "Twice"})
    assert_envelope(response, 409, "conflict")


async def test_wrong_status_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.post(f"/api/campaigns/{campaign['id']}/pause")
    assert_envelope(response, 400, "wrong_status")


async def test_another_accounts_resource_is_404(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    campaign = await create_campaign(api)
    response = await api.get(f"/api/campaigns/{campaign['id']}", headers=other_account.headers)
    assert_envelope(response, 404, "not_found")


# --- The OpenAPI document -------------------------------------------------------------


def _operations(app: FastAPI) -> list[tuple[str, str, dict[int | str, Any]]]:
    """(method, path, declared responses) for every documented route of the app."""
    operations = []
    for route in iter_route_contexts(app.routes):
        if not getattr(route, "include_in_schema", False) or route.path is None:
            continue
        for method in sorted(route.methods or ()):
            operations.append((method.lower(), route.path, dict(route.responses)))
    return operations


async def test_openapi_lists_every_route_with_its_errors(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    operations = _operations(app)
    assert len(operations) > 20
    for method, path, declared in operations:
        documented = paths[path][method]["responses"]
        for status in declared:
            assert str(status) in documented, f"{method.upper()} {path}: {status} not listed"
        if path.startswith("/api/"):
            errors = {s for s in documented if s.startswith(("4", "5"))}
            assert {"400", "401"} <= errors, f"{method.upper()} {path} declares {errors}"
            if "{" in path:
                assert "404" in errors, f"{method.upper()} {path} does not declare 404"


async def test_declared_errors_use_the_envelope_schema(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, spec in operation["responses"].items():
                if status.startswith("4") and status != "422":
                    schema = spec["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (
                        f"{method.upper()} {path} {status}"
                    )
