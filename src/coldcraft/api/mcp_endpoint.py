"""Streamable HTTP at /mcp: the MCP server on `coldcraft serve`, behind the API's own keys.

Each request is authenticated like the API's (`Authorization: Bearer`, 401 in the error
envelope otherwise); each tool call then goes to this same app in-process with the caller's
key forwarded, so ownership and scopes are the API's. Stateless, JSON responses: any API
process can answer any request, as with the rest of the API.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from coldcraft.accounts.service import account_service
from coldcraft.api.errors import database_error
from coldcraft.errors import AppError, Unauthorized
from coldcraft.mcp_server.client import forwarding
from coldcraft.mcp_server.server import build_server
from coldcraft.store.session import SessionMaker

PATH = "/mcp"


class McpEndpoint:
    """The ASGI app mounted at /mcp; `running()` belongs in the app's lifespan."""

    def __init__(self, asgi_app: Any) -> None:
        self.server: MCPServer[Any] = build_server(forwarding(asgi_app))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A new session manager per lifespan (one can run only once). Bearer keys, not
        # cookies, authenticate, so the DNS-rebinding Host check has nothing to protect.
        self.server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        # The manager's task group lives in a task of its own, so the lifespan may be
        # entered and left from different tasks (as a test fixture does).
        ready, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with self.server.session_manager.run():
                ready.set()
                await stop.wait()

        holder = asyncio.create_task(hold(), name="mcp-session-manager")
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait([holder, waiter], return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        if holder.done():
            holder.result()  # it failed to start: raise its error
        try:
            yield
        finally:
            stop.set()
            await holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._authenticate(scope)
        except AppError as exc:
            headers = dict(exc.headers or {})
            if exc.status_code == 401:
                headers["WWW-Authenticate"] = "Bearer"
            response = JSONResponse(exc.envelope(), status_code=exc.status_code, headers=headers)
            await response(scope, receive, send)
            return
        await self.server.session_manager.handle_request(scope, receive, send)

    async def _authenticate(self, scope: Scope) -> None:
        scheme, _, key = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
        sessionmaker: SessionMaker = scope["app"].state.sessionmaker
        try:
            async with sessionmaker() as session:
                caller = await account_service.verify(session, key.strip())
        except (DBAPIError, ConnectionError) as exc:  # out here no exception handler sees it
            raise database_error(exc) from exc
        if caller is None:
            raise Unauthorized("Invalid or revoked API key")
