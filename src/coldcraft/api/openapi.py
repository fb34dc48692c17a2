"""The OpenAPI document as served: validation errors are 400 in the envelope, never 422."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from coldcraft.api.responses import ErrorEnvelope

ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
INVALID = {
    "description": "Invalid request (`invalid_request`, `wrong_status`, `no_framework`)",
    "content": {"application/json": {"schema": ENVELOPE_REF}},
}
DROPPED_SCHEMAS = ("HTTPValidationError", "ValidationError")


def build_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _replace_422(schema)
        app.openapi_schema = schema
    return app.openapi_schema


def _replace_422(schema: dict[str, Any]) -> None:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None:
                responses.setdefault("400", INVALID)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in DROPPED_SCHEMAS:
        components.pop(name, None)
    components.setdefault(
        "ErrorEnvelope",
        ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}"),
    )
