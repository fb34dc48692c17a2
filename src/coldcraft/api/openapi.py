"""The OpenAPI document as served: validation errors are 400 in the envelope, never 422."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

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


DOCS_ASSETS = "/docs/assets"


def install_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI from the `swagger-ui-bundle` package, served by this app, so the
    page works offline and behind a firewall (FastAPI's default loads it from a CDN)."""
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False)
