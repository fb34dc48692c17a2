"""Mass assignment: no write route lets a client set a server-owned field, or reach another
account's rows through an id in its body.

api.md: "Unknown body fields are rejected (400) on writes. Server-owned fields (task_status,
user_id, id, timestamps, generated_examples except on the session PATCH) cannot be set by
clients." Everything here is generated from the app's OpenAPI document and its tables, so a
route, a body field or a column added later is covered without editing this file:

- the write routes are the operations with a JSON body (POST, PUT, PATCH and DELETE);
- the server-owned fields are every column of every table that no request schema declares,
  plus the contract's list; references (`campaign_id`, `node_id`, ...) are tried wherever a
  body does not declare them;
- each is added, in turn, to every object of a valid body (top level and nested) whose
  schema rejects unknown fields: 400 `invalid_request`, one `details` entry naming it, and
  no row changed;
- every uuid in a body is replaced, in turn, by the id of another account's row of the same
  kind: the answer is the documented status, identical to the answer for an id that does
  not exist (no existence leak), and no row changed.

Valid bodies come from tests/api/test_authorization.py's schema walker (`Example`), filled
with the ids of the caller's own resources (tests/fixtures/world.py).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from coldcraft.routes import api_router
from coldcraft.store.base import Base
from coldcraft.store.session import SessionMaker
from tests.api.test_authorization import Example, build_request, snapshot
from tests.fixtures.factories import Account
from tests.fixtures.runs import SEED_SKELETON
from tests.fixtures.world import World, build_world

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SESSION_PATCH = ("PATCH", "/api/campaigns/ai-chat-sessions/{session_id}")
LEADS = "/api/campaigns/{campaign_id}/leads"

# The contract's own list (api.md), whatever the tables are called.
CONTRACT_SERVER_OWNED = {
    "id", "user_id", "created_at", "updated_at", "task_status", "generated_examples",
    "status", "source", "flagged",
}  # fmt: skip
# References: a client names them only where a body declares them (ownership checked there).
REFERENCES = {"campaign_id", "node_id", "prospect_id", "session_id", "run_id", "message_id"}
# Server-owned names a request schema may declare, and why.
ALLOWED_DECLARED = {
    ("SessionUpdate", "generated_examples"),  # api.md: settable on the session PATCH only
    ("SampleLead", "id"),  # a lead's own id, echoed as the example's lead_id; no row id
    ("LeadIn", "id"),
    # The outbox's review filter reads these columns; it writes none of them.
    ("MessageFilter", "status"),
    ("MessageFilter", "source"),
    ("MessageFilter", "flagged"),
}

# A uuid in a body, by field name: the kind of row it names.
BODY_ID_KINDS = {
    "campaign_id": "campaign", "node_id": "node", "nodeId": "node",
    "prospect_id": "prospect", "prospect_ids": "prospect", "message_id": "message",
    "message_ids": "message",
    "session_id": "session", "sender_account_ids": "sender",
}  # fmt: skip
# Another account's id in a body: 404 unless docs/api.md documents otherwise.
FOREIGN_ID_STATUS = {
    ("POST", "/api/campaigns", "sender_account_ids"): 400,  # "Unknown sender account(s)"
    ("PATCH", "/api/campaigns/{campaign_id}", "sender_account_ids"): 400,
    ("POST", "/api/campaigns/{campaign_id}/generate-messages", "prospect_ids"): 400,
    ("DELETE", LEADS, "prospect_ids"): 200,  # "ids of other campaigns are ignored"
}
# A review action's selection (`message_ids`, or a `filter` on node_id / prospect_id) only
# ever selects among the caller's own messages: another account's id selects nothing, the
# same answer as an id that does not exist (200, matched 0), and changes nothing.
SELECTION_ID_STATUS = 200
# ...except regenerate, which has nothing to rewrite then (400, naming no id either way).
NOTHING_TO_REGENERATE = '{"error":{"code":"invalid_request","message":"Nothing to regenerate'
SELECTION_KEYS = frozenset({"message_ids", "filter"})
# Bodies whose fields exclude each other: what to leave out so the body stays valid.
LEAVE_OUT = {
    ("DELETE", LEADS): {"all"},
    # A review action takes message_ids OR a filter (tests/messages/test_review.py covers
    # another account's ids inside a filter).
    ("POST", "/api/campaigns/{campaign_id}/generate-messages"): {"filter"},
}

DOCUMENT = get_openapi(title="coldcraft", version="test", routes=api_router.routes)


# --- The routes and fields, from the OpenAPI document and the tables ----------------------


def json_write_routes(document: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method.upper() in WRITE_METHODS and "application/json" in content:
                found.append((method.upper(), path))
    return sorted(found)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The schema behind `$ref`s and nullable `anyOf`s, with its component name if any."""
    name = None
    while True:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            schema = document["components"]["schemas"][name]
            continue
        options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
        if len(options) == 1:
            schema = options[0]
            continue
        return name, schema


def body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    operation = document["paths"][path][method.lower()]
    schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    return schema


def variants(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """One schema per member of a top-level union (e.g. generate-messages' actions)."""
    _, resolved = resolve(document, schema)
    options = resolved.get("oneOf") or resolved.get("anyOf") or []
    return [s for s in options if s.get("type") != "null"] or [schema]


def declared_fields(document: dict[str, Any]) -> set[str]:
    """Every property any request body schema declares, at any depth."""
    names: set[str] = set()
    for method, path in json_write_routes(document):
        for option in variants(document, body_schema(document, method, path)):
            for location in closed_objects(document, option, Example(document, {}).value(option)):
                names |= location.declared
    return names


def server_owned_fields(document: dict[str, Any]) -> set[str]:
    columns = {column.name for table in Base.metadata.sorted_tables for column in table.columns}
    return (columns - declared_fields(document)) | CONTRACT_SERVER_OWNED


@dataclass(frozen=True)
class Location:
    """An object in a request body whose schema rejects unknown fields."""

    keys: tuple[str | int, ...]
    schema_name: str | None
    declared: frozenset[str]

    def field(self, name: str) -> str:
        return field_path((*self.keys, name))


def field_path(keys: tuple[str | int, ...]) -> str:
    """The `details[].field` spelling: `prospects[0].email`."""
    path = ""
    for key in keys:
        path += f"[{key}]" if isinstance(key, int) else (f".{key}" if path else key)
    return path


def closed_objects(
    document: dict[str, Any], schema: dict[str, Any], value: Any, keys: tuple[str | int, ...] = ()
) -> Iterator[Location]:
    name, resolved = resolve(document, schema)
    if isinstance(value, dict):
        properties = resolved.get("properties", {})
        if resolved.get("additionalProperties") is False:
            yield Location(keys, name, frozenset(properties))
        for key, sub in properties.items():
            if key in value:
                yield from closed_objects(document, sub, value[key], (*keys, key))
    elif isinstance(value, list) and value:
        yield from closed_objects(document, resolved.get("items", {}), value[0], (*keys, 0))


def with_value(body: Any, keys: tuple[str | int, ...], name: str, value: Any) -> Any:
    """A copy of `body` with `name` set to `value` in the object at `keys`."""
    body = copy.deepcopy(body)
    target = body
    for key in keys:
        target = target[key]
    target[name] = value
    return body


def plausible(field: str) -> Any:
    """A value the field would hold if a client could set it."""
    if field.endswith("_at"):
        return "2030-01-01T00:00:00Z"
    if field == "id" or field.endswith("_id"):
        return str(uuid.uuid4())
    if field.startswith("progress_") or field in ("framework_version", "status_code"):
        return 0
    if field in ("usage", "error", "last_error", "params", "result", "quality", "response"):
        return {}
    if field in ("generated_examples", "messages", "skeleton_history", "missing_fields"):
        return []
    if field in ("cancel_requested", "manually_edited", "ok"):
        return True
    return {"task_status": "chat_processing", "status": "active"}.get(field, "server-owned")


def requests_for(
    document: dict[str, Any], method: str, path: str, ids: World
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(a valid request, its body schema), once per member of a body union."""
    base = build_request(document, method, path, ids)
    schema = body_schema(document, method, path)
    options = variants(document, schema)
    if len(options) == 1 and (method, path) not in LEAVE_OUT:
        yield base, schema
        return
    for option in options:
        body = Example(document, ids).value(option)
        for name in LEAVE_OUT.get((method, path), ()):
            body.pop(name, None)
        yield {**base, "json": body}, option


ROUTES = json_write_routes(DOCUMENT)
ROUTE_IDS = [f"{m} {p}" for m, p in ROUTES]
SERVER_OWNED = server_owned_fields(DOCUMENT)


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
async def world(api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker) -> World:
    """The caller's resources; its session has a skeleton, so generate_ai reaches its id
    checks instead of stopping at `no_framework`."""
    ids = await build_world(api, account, sessionmaker)
    response = await api.patch(
        f"/api/campaigns/ai-chat-sessions/{ids['session']}", json={"skeleton": SEED_SKELETON}
    )
    assert response.status_code == 200, response.text
    return ids


@pytest.fixture
async def other_world(app: FastAPI, other_account: Account, sessionmaker: SessionMaker) -> World:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=other_account.headers
    ) as other:
        return await build_world(other, other_account, sessionmaker)


# --- Server-owned fields ------------------------------------------------------------------


def test_the_matrix_is_generated_from_the_app() -> None:
    assert SESSION_PATCH in ROUTES
    assert {"id", "user_id", "created_at", "task_status", "status", "usage"} <= SERVER_OWNED
    assert {"progress_done", "task_claimed_at", "generated_examples"} <= SERVER_OWNED


async def test_the_routes_are_those_the_app_serves(api: httpx.AsyncClient) -> None:
    served = (await api.get("/openapi.json")).json()
    assert json_write_routes(served) == ROUTES


def test_request_schemas_declare_only_the_allowed_server_owned_fields() -> None:
    declared = set()
    for method, path in ROUTES:
        for option in variants(DOCUMENT, body_schema(DOCUMENT, method, path)):
            body = Example(DOCUMENT, {}).value(option)
            for location in closed_objects(DOCUMENT, option, body):
                owned = location.declared & SERVER_OWNED
                declared |= {(location.schema_name, name) for name in owned}
    assert declared == ALLOWED_DECLARED


async def test_generated_examples_is_settable_on_the_session_patch(
    api: httpx.AsyncClient, world: World
) -> None:
    """The one documented exception: the matrix below must not hide a broken PATCH."""
    examples = [{"lead_id": "ada@example.com", "subject": "Hi Ada", "body": "Hello"}]
    url = f"/api/campaigns/ai-chat-sessions/{world['session']}"
    response = await api.patch(url, json={"generated_examples": examples})
    assert response.status_code == 200, response.text
    assert (await api.get(url)).json()["session"]["generated_examples"] == examples


def unknown_field_error(field: str) -> dict[str, Any]:
    return {
        "error": {
            "code": "invalid_request",
            "message": f"Invalid request: {field}: unknown field",
            "details": [{"field": field, "message": "unknown field"}],
        }
    }


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=ROUTE_IDS)
async def test_server_owned_fields_are_rejected(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    world: World,
    method: str,
    path: str,
) -> None:
    before = await snapshot(sessionmaker)
    failures = []
    cases = 0
    for request, schema in requests_for(DOCUMENT, method, path, world):
        for location in closed_objects(DOCUMENT, schema, request["json"]):
            for name in sorted((SERVER_OWNED | REFERENCES) - location.declared):
                body = with_value(request["json"], location.keys, name, plausible(name))
                response = await api.request(**{**request, "json": body})
                cases += 1
                expected = unknown_field_error(location.field(name))
                if response.status_code != 400 or response.json() != expected:
                    failures.append(
                        f"{location.field(name)}: {response.status_code} {response.text}"
                    )
    assert cases > 0
    assert not failures, f"{method} {path}: {len(failures)} of {cases}:\n" + "\n".join(failures[:5])
    assert await snapshot(sessionmaker) == before


# --- Ids in bodies ------------------------------------------------------------------------


@dataclass(frozen=True)
class BodyId:
    keys: tuple[str | int, ...]
    name: str
    many: bool

    @property
    def kind(self) -> str | None:
        return BODY_ID_KINDS.get(self.name)


def body_ids(
    document: dict[str, Any], schema: dict[str, Any], value: Any, keys: tuple[str | int, ...] = ()
) -> Iterator[BodyId]:
    """Every uuid field (or list of uuids) present in `value`."""
    _, resolved = resolve(document, schema)
    for key, sub in resolved.get("properties", {}).items():
        if not isinstance(value, dict) or key not in value:
            continue
        _, field = resolve(document, sub)
        items = resolve(document, field.get("items", {}))[1] if field.get("type") == "array" else {}
        if field.get("format") == "uuid" or items.get("format") == "uuid":
            yield BodyId(keys, key, many="format" in items)
        else:
            yield from body_ids(document, sub, value[key], (*keys, key))
    if isinstance(value, list) and value:
        yield from body_ids(document, resolved.get("items", {}), value[0], (*keys, 0))


def id_cases(ids: World) -> Iterator[tuple[str, str, dict[str, Any], BodyId]]:
    for method, path in ROUTES:
        for request, schema in requests_for(DOCUMENT, method, path, ids):
            for body_id in body_ids(DOCUMENT, schema, request["json"]):
                yield method, path, request, body_id


# Listing the cases needs ids of some kind only: placeholders.
PLACEHOLDER_IDS: World = {kind: str(uuid.uuid4()) for kind in set(BODY_ID_KINDS.values()) | {"run"}}
ID_ROUTES = sorted({(m, p, b.name) for m, p, _, b in id_cases(PLACEHOLDER_IDS)})


def test_every_id_in_a_body_has_a_known_kind() -> None:
    unknown = {name for _, _, name in ID_ROUTES if name not in BODY_ID_KINDS}
    assert not unknown, f"add these body fields to BODY_ID_KINDS: {unknown}"
    assert len(ID_ROUTES) >= 10


def _without(text: str, value: str) -> str:
    return text.replace(value, "<id>")


@pytest.mark.parametrize(
    ("method", "path", "name"), ID_ROUTES, ids=[f"{m} {p} {n}" for m, p, n in ID_ROUTES]
)
async def test_another_accounts_id_in_a_body_is_not_found_and_changes_nothing(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    world: World,
    other_world: World,
    method: str,
    path: str,
    name: str,
) -> None:
    """The caller's own path resource, one body id swapped for another account's."""
    before = await snapshot(sessionmaker)
    cases = [c for c in id_cases(world) if c[:2] == (method, path) and c[3].name == name]
    assert cases
    for _, _, request, body_id in cases:
        kind = body_id.kind
        assert kind is not None
        foreign, missing = str(other_world[kind]), str(uuid.uuid4())
        answers = []
        for value in (foreign, missing):
            body = with_value(
                request["json"], body_id.keys, name, [value] if body_id.many else value
            )
            response = await api.request(**{**request, "json": body})
            answers.append((response.status_code, _without(response.text, value)))
        expected = FOREIGN_ID_STATUS.get((method, path, name), 404)
        selection = bool(SELECTION_KEYS & {*body_id.keys, name})
        if selection:
            expected = SELECTION_ID_STATUS
            if answers[0][1].startswith(NOTHING_TO_REGENERATE):
                expected = 400
        assert answers[0][0] == expected, f"{method} {request['url']} {name}: {answers[0]}"
        # Nothing tells another account's row from a row that does not exist.
        assert answers[0] == answers[1]
        # ...and it came from that check, not from validating a badly built body.
        status, text = answers[0]
        if status == 404:
            assert text.startswith('{"error":{"code":"not_found"'), text
        elif status == 400 and not text.startswith(NOTHING_TO_REGENERATE):
            assert "<id>" in text, f"the 400 should name the refused id: {text}"
    assert await snapshot(sessionmaker) == before
