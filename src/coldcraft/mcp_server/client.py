"""The API adapter: one httpx client per caller, API error envelopes as tool errors.

Three ways to reach the API, one `Api` for the tools:
- stdio, client mode: `httpx.AsyncClient(base_url=COLDCRAFT_API_URL)` with the key;
- stdio, embedded: the in-process app through `httpx.ASGITransport`, with a local key;
- Streamable HTTP at /mcp: the same app in-process, with the caller's bearer forwarded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

TIMEOUT_SECONDS = 120.0  # a chat turn runs the framework agent synchronously
IN_PROCESS_URL = "http://coldcraft.internal"
MAX_DETAILS = 5

# What a tool is handed for the call in progress.
ApiFactory = Callable[[Context[Any, Any]], AbstractAsyncContextManager["Api"]]


class ApiToolError(ToolError):
    """The API answered with its error envelope: the code and message reach the agent."""

    def __init__(self, status: int, code: str, message: str, details: list[Any] | None) -> None:
        text = f"{code}: {message}"
        shown = [d for d in details or [] if isinstance(d, dict)][:MAX_DETAILS]
        if shown:
            text += " | " + "; ".join(f"{d.get('field')}: {d.get('message')}" for d in shown)
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message


def error_from(response: httpx.Response) -> ApiToolError:
    try:
        error = response.json()["error"]
        return ApiToolError(
            response.status_code, str(error["code"]), str(error["message"]), error.get("details")
        )
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()[:300] or response.reason_phrase
        return ApiToolError(response.status_code, f"http_{response.status_code}", text, None)


class Api:
    """JSON in, parsed JSON out; a non-2xx answer raises `ApiToolError`."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ToolError(f"unavailable: cannot reach the coldcraft API ({exc})") from exc
        if response.is_error:
            raise error_from(response)
        return response

    async def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        return (await self.request("GET", path, params=clean)).json()

    async def post(self, path: str, body: Any = None) -> Any:
        return (await self.request("POST", path, json=body)).json()

    async def patch(self, path: str, body: Any) -> Any:
        return (await self.request("PATCH", path, json=body)).json()

    async def put(self, path: str, body: Any) -> Any:
        return (await self.request("PUT", path, json=body)).json()

    async def get_text(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        return (await self.request("GET", path, params=params)).text


def http_client(
    *, base_url: str, api_key: str | None, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    headers = {"Accept": "application/json", "User-Agent": "coldcraft-mcp"}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/"), headers=headers, timeout=TIMEOUT_SECONDS, transport=transport
    )


def in_process(asgi_app: Any) -> httpx.ASGITransport:
    """The app itself as the transport. A crash comes back as the app's 500 envelope (a tool
    error saying `internal`), not as the exception raised into the tool."""
    return httpx.ASGITransport(app=asgi_app, raise_app_exceptions=False)


def shared(api: Api) -> ApiFactory:
    """stdio: one client for the process, whoever calls (there is one caller)."""

    @asynccontextmanager
    async def factory(_: Context[Any, Any]) -> AsyncIterator[Api]:
        yield api

    return factory


def forwarding(asgi_app: Any) -> ApiFactory:
    """Streamable HTTP: each call goes to the app in-process with the caller's own bearer
    key, so the API itself enforces the key's ownership and scopes."""
    transport = in_process(asgi_app)

    @asynccontextmanager
    async def factory(ctx: Context[Any, Any]) -> AsyncIterator[Api]:
        authorization = (ctx.headers or {}).get("authorization")
        if not authorization:
            raise ToolError("unauthorized: this request carried no API key")
        async with http_client(base_url=IN_PROCESS_URL, api_key=None, transport=transport) as c:
            c.headers["Authorization"] = authorization
            yield Api(c)

    return factory
