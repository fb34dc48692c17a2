"""`Idempotency-Key` on the POSTs that start work.

Same key + same body within 24 h replays the first response; same key + another body is
400; a duplicate that arrives while the first is still running is 409. Responses of 5xx
are not stored, so a retry after a server error runs again.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coldcraft.accounts.service import account_service
from coldcraft.api.errors import database_error
from coldcraft.errors import AppError, Conflict, InvalidRequest
from coldcraft.store.base import utcnow
from coldcraft.store.models import IdempotencyKey
from coldcraft.store.models.idempotency import REPLAY_WINDOW
from coldcraft.store.session import SessionMaker

MAX_KEY_LENGTH = 255
WORK_STARTING_PATHS = (
    re.compile(r"^/api/campaigns/[^/]+/generate-content$"),
    re.compile(r"^/api/campaigns/[^/]+/generate-messages$"),
    re.compile(r"^/api/campaigns/ai-chat-sessions/[^/]+/(turn|generate-examples)$"),
    re.compile(r"^/api/campaigns/[^/]+/ai-chat-sessions/[^/]+/generate-examples$"),
)


def applies(scope: Scope) -> bool:
    if scope["type"] != "http" or scope["method"] != "POST":
        return False
    return any(p.match(scope["path"]) for p in WORK_STARTING_PATHS)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _bearer(scope: Scope) -> str | None:
    value = _header(scope, b"authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else None


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send_json(
    send: Send,
    status: int,
    body: dict[str, Any],
    replayed: bool,
    extra_headers: dict[str, str] | None = None,
) -> None:
    # Same encoding as FastAPI's JSONResponse, so a replay is byte-identical.
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json")]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra_headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if applies(scope) else None
        token = _bearer(scope)
        if key is None or token is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            await self._handle(scope, send, key=key, token=token, body=body)
        except AppError as exc:
            await _send_json(send, exc.status_code, exc.envelope(), False, exc.headers)

    async def _handle(self, scope: Scope, send: Send, *, key: str, token: str, body: bytes) -> None:
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            raise InvalidRequest(f"Idempotency-Key must be 1..{MAX_KEY_LENGTH} characters")
        sessionmaker: SessionMaker = scope["app"].state.sessionmaker
        digest = hashlib.sha256(body).hexdigest()
        record: tuple[int, dict[str, Any]] | None = None
        try:
            user_id = await _authenticate(sessionmaker, token)
            if user_id is not None:
                record = await _reserve(sessionmaker, user_id, key, scope["path"], digest)
        except (DBAPIError, ConnectionError) as exc:  # out here no exception handler sees it
            raise database_error(exc) from exc
        if user_id is None:  # the route itself answers 401
            await self.app(scope, _replay_body(body), send)
            return
        if record is not None:
            await _send_json(send, record[0], record[1], replayed=True)
            return
        status, response = 500, None
        try:
            status, response = await self._call_and_capture(scope, body, send)
        finally:  # also on an unhandled error: a 5xx is never stored
            await _finish(sessionmaker, user_id, key, scope["path"], status, response)

    async def _call_and_capture(
        self, scope: Scope, body: bytes, send: Send
    ) -> tuple[int, dict[str, Any] | None]:
        status = 500
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        await self.app(scope, _replay_body(body), capture)
        try:
            return status, json.loads(b"".join(chunks) or b"null")
        except ValueError:
            return status, None


def _replay_body(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _authenticate(sessionmaker: SessionMaker, token: str) -> Any:
    async with sessionmaker() as session:
        user = await account_service.authenticate(session, token)
        return None if user is None else user.id


async def _reserve(
    sessionmaker: SessionMaker, user_id: Any, key: str, path: str, digest: str
) -> tuple[int, dict[str, Any]] | None:
    """Claim the key for this request, or return the stored response to replay."""
    async with sessionmaker() as session:
        await session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id,
                IdempotencyKey.key == key,
                IdempotencyKey.path == path,
                IdempotencyKey.created_at < utcnow() - REPLAY_WINDOW,
            )
        )
        session.add(IdempotencyKey(user_id=user_id, key=key, path=path, request_hash=digest))
        try:
            await session.commit()
            return None
        except IntegrityError:
            await session.rollback()
        existing = await _load(session, user_id, key, path)
    if existing is None:
        raise Conflict("A request with this Idempotency-Key is still in progress")
    if existing.request_hash != digest:
        raise InvalidRequest("Idempotency-Key was already used with a different request body")
    if existing.status_code is None or existing.response is None:
        raise Conflict("A request with this Idempotency-Key is still in progress")
    return existing.status_code, existing.response


async def _load(session: Any, user_id: Any, key: str, path: str) -> IdempotencyKey | None:
    stmt = select(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id,
        IdempotencyKey.key == key,
        IdempotencyKey.path == path,
    )
    result: IdempotencyKey | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def _finish(
    sessionmaker: SessionMaker,
    user_id: Any,
    key: str,
    path: str,
    status: int,
    response: dict[str, Any] | None,
) -> None:
    async with sessionmaker() as session:
        row = await _load(session, user_id, key, path)
        if row is None:
            return
        if status >= 500 or response is None:
            await session.delete(row)  # let a retry run again
        else:
            row.status_code, row.response = status, response
        await session.commit()
