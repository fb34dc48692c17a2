"""ASGI middleware: request body size limit (413 in the envelope)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(HTTPException):
    """Raised from `receive` once a streamed (chunked) body passes the limit. An HTTP
    exception, because FastAPI turns any other error while it reads a body into a 400
    ("There was an error parsing the body"); this one it lets through, and the app's
    handler answers it as the 413 envelope."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, detail=f"Request body exceeds {limit} bytes")


def _envelope_413(limit: int) -> bytes:
    message = f"Request body exceeds {limit} bytes"
    return json.dumps({"error": {"code": "payload_too_large", "message": message}}).encode()


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = _envelope_413(self.max_bytes)
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class TrailingSlashMiddleware:
    """`/api/campaigns/` is `/api/campaigns`: the API's paths have no trailing slash, and a
    client that adds one gets the answer, not a bare 307 to follow (a redirect drops the
    body of a POST in some clients and carries no envelope)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/api/") and path.endswith("/"):
            trimmed = path.rstrip("/") or "/"
            scope = dict(scope, path=trimmed, raw_path=trimmed.encode())
        await self.app(scope, receive, send)
