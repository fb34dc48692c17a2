"""Every route with a path id, called with another account's key on this account's
resources, answers 404 and changes nothing.

The routes are read from the app itself, so routes added later are covered automatically:
each path parameter is filled by its id kind (from its name, or the path segment before it),
and the request body/query is generated from the route's OpenAPI schema so the request
reaches the ownership check instead of failing validation.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from sqlalchemy import select

from coldcraft.routes import api_router
from coldcraft.store.base import Base
from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account
from tests.fixtures.world import build_world

PARAM_KINDS = {
    "campaign_id": "campaign", "campaignId": "campaign",
    "node_id": "node", "nodeId": "node",
    "session_id": "session", "sessionId": "session",
    "run_id": "run", "runId": "run",
    "prospect_id": "prospect", "prospectId": "prospect",
    "message_id": "message", "messageId": "message",
    "sender_id": "sender", "senderId": "sender",
}  # fmt: skip
SEGMENT_KINDS = {
    "campaigns": "campaign", "nodes": "node", "ai-chat-sessions": "session", "runs": "run",
    "leads": "prospect", "generate-messages": "message", "senders": "sender",
}  # fmt: skip
# Bodies where "fill every field" would be contradictory: the most destructive valid choice.
BODY_OVERRIDES: dict[tuple[str, str], dict[str, Any]] = {
    ("DELETE", "/api/campaigns/{campaign_id}/leads"): {"all": True},
    ("POST", "/api/campaigns/{campaign_id}/generate-messages"): {"action": "resolve"},
}
# Tables the intruder's own requests may legitimately touch (its key's last use).
UNWATCHED_TABLES = {"api_keys", "idempotency_keys"}


def id_kind(path: str, name: str) -> str | None:
    if name in PARAM_KINDS:
        return PARAM_KINDS[name]
    segments = path.split("/")
    previous = segments[segments.index(f"{{{name}}}") - 1]
    return SEGMENT_KINDS.get(previous)


def routes_with_path_ids(routes: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for route in iter_route_contexts(routes):
        path = route.path or ""
        if "{" in path and getattr(route, "include_in_schema", False):
            found.extend((method, path) for method in sorted(route.methods or ()))
    return found


ROUTES = routes_with_path_ids(api_router.routes)


# --- A's world --------------------------------------------------------------------------


@pytest.fixture
async def world(
    api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> dict[str, str | None]:
    """One of every resource, owned by `account`: kind -> id."""
    return await build_world(api, account, sessionmaker)


async def snapshot(sessionmaker: SessionMaker) -> dict[str, list[str]]:
    tables = [t for t in Base.metadata.sorted_tables if t.name not in UNWATCHED_TABLES]
    async with sessionmaker() as session:
        return {
            table.name: sorted(repr(tuple(row)) for row in (await session.execute(select(table))))
            for table in tables
        }


# --- Request bodies from the OpenAPI schema ---------------------------------------------


class Example:
    """A valid-looking value for a JSON schema: every property filled, ids from A's world."""

    def __init__(self, document: dict[str, Any], ids: dict[str, str | None]) -> None:
        self.schemas = document.get("components", {}).get("schemas", {})
        self.ids = ids

    def value(self, schema: dict[str, Any], name: str = "") -> Any:
        schema = self._resolve(schema)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object" or "properties" in schema:
            return {key: self.value(sub, key) for key, sub in schema.get("properties", {}).items()}
        if kind == "array":
            items = schema.get("items", {})
            return [self.value(items, name.removesuffix("s"))] if items else []
        return self._scalar(kind, schema, name)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self._resolve(self.schemas[schema["$ref"].rsplit("/", 1)[-1]])
        for combinator in ("anyOf", "oneOf", "allOf"):
            options = [s for s in schema.get(combinator, []) if s.get("type") != "null"]
            if options:
                return self._resolve(options[0])
        return schema

    def _scalar(self, kind: Any, schema: dict[str, Any], name: str) -> Any:
        if kind == "integer" or kind == "number":
            return schema.get("minimum", 0)
        if kind == "boolean":
            return True
        if schema.get("format") == "uuid":
            known = PARAM_KINDS.get(name) or PARAM_KINDS.get(f"{name}_id")
            return (known and self.ids.get(known)) or str(uuid.uuid4())
        if "email" in name:
            return "grace@hopper.example"
        if "linkedin" in name:
            return "https://www.linkedin.com/in/grace"
        return "x" * max(schema.get("minLength", 1), 1)


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


def build_request(
    document: dict[str, Any], method: str, path: str, ids: dict[str, str | None]
) -> dict[str, Any]:
    example = Example(document, ids)
    operation = _operation(document, method, path)
    url = path
    params = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] == "path":
            url = url.replace(f"{{{name}}}", str(ids[id_kind(path, name) or ""]))
        elif parameter["in"] == "query" and parameter.get("required"):
            params[name] = example.value(parameter["schema"], name)
    request: dict[str, Any] = {"method": method, "url": url, "params": params}
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        override = BODY_OVERRIDES.get((method, path))
        request["json"] = override or example.value(content["application/json"]["schema"])
    elif "multipart/form-data" in content:
        request["files"] = {"file": ("leads.csv", b"email\ngrace@hopper.example\n", "text/csv")}
    return request


# --- The walk -----------------------------------------------------------------------------


def test_routes_with_path_ids_are_found() -> None:
    paths = {path for _, path in ROUTES}
    assert "/api/campaigns/{campaign_id}" in paths
    assert "/api/campaigns/{campaign_id}/sequence/nodes/{node_id}" in paths


async def test_the_walk_covers_every_route_of_the_app(app: FastAPI) -> None:
    assert set(routes_with_path_ids(app.routes)) == set(ROUTES)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_other_accounts_resource_is_404_and_untouched(
    api: httpx.AsyncClient,
    other_account: Account,
    sessionmaker: SessionMaker,
    world: dict[str, str | None],
    method: str,
    path: str,
) -> None:
    names = [s[1:-1] for s in path.split("/") if s.startswith("{")]
    kinds = {name: id_kind(path, name) for name in names}
    unknown = [name for name, kind in kinds.items() if kind is None]
    if unknown:
        pytest.skip(f"no id kind known for path parameter(s) {unknown}: add it to PARAM_KINDS")
    missing = [kind for kind in kinds.values() if kind and world.get(kind) is None]
    assert not missing, f"the test could not create a {missing} for account A"
    document = (await api.get("/openapi.json")).json()
    request = build_request(document, method, path, world)
    before = await snapshot(sessionmaker)
    response = await asyncio.wait_for(
        api.request(**request, headers=other_account.headers), timeout=10
    )
    assert response.status_code == 404, f"{method} {request['url']}: {response.text[:300]}"
    assert response.json()["error"]["code"] == "not_found"
    assert await snapshot(sessionmaker) == before
    if method == "GET" and not path.endswith("/stream"):
        # Control: the owner's identical request finds the resource, so the 404 above
        # came from the ownership check, not from a badly built request.
        owner = await api.request(**request)
        assert owner.status_code == 200, f"owner: {method} {request['url']}: {owner.text[:300]}"
