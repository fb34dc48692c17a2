"""Dependencies as `Annotated` aliases: endpoints declare what they need, nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import Caller, account_service
from coldcraft.api.scopes import required_scope
from coldcraft.config import Settings
from coldcraft.errors import InsufficientScope, Unauthorized
from coldcraft.runs.kinds import RunQueue
from coldcraft.store.models import User
from coldcraft.store.session import SessionMaker, commit, discard_hooks, reader, reading

bearer_scheme = HTTPBearer(auto_error=False, description="API key: `Bearer pk_live_...`")


def get_sessionmaker(request: Request) -> SessionMaker:
    sessionmaker: SessionMaker = request.app.state.sessionmaker
    return sessionmaker


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_run_queue(request: Request) -> RunQueue:
    """Where runs started by this request are enqueued: this process's run engine."""
    queue: RunQueue = request.app.state.run_engine
    return queue


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the endpoint returns, before the reply
    (then its after-commit hooks run, e.g. a run's enqueue on SQLite)."""
    sessions = get_sessionmaker(request)
    if request.method in ("GET", "HEAD"):
        sessions = reader(sessions)  # a GET never waits for a write (SQLite's lock)
    async with sessions() as session:
        try:
            yield session
            await commit(session)
        except BaseException:
            discard_hooks(session)
            await session.rollback()
            raise


DBSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
Sessions = Annotated[SessionMaker, Depends(get_sessionmaker)]
Queue = Annotated[RunQueue, Depends(get_run_queue)]
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_current_user(request: Request, session: DBSession, credentials: BearerToken) -> User:
    return await _authenticate(session, credentials, request)


async def get_detached_user(request: Request, credentials: BearerToken) -> User:
    """The caller, read in a short transaction of its own, over before the endpoint runs:
    for endpoints whose service opens its own units of work around a model call (the
    synchronous chat turn), so no request transaction stays open across it."""
    async with reading(get_sessionmaker(request)) as session:
        return await _authenticate(session, credentials, request)


async def _authenticate(
    session: AsyncSession, credentials: HTTPAuthorizationCredentials | None, request: Request
) -> User:
    if credentials is None:
        sent = request.headers.get("authorization", "").strip()
        if sent:  # a key without its scheme ("pk_live_...") or another scheme ("Basic ...")
            raise Unauthorized(
                "The Authorization header must be 'Bearer <api key>' "
                f"(got a value starting {sent.split()[0][:8]!r})"
            )
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
    return await authenticate_key(request, session, credentials.credentials)


async def authenticate_key(request: Request, session: AsyncSession, key: str) -> User:
    """The key's account, once the key is known to hold the scope the route needs
    (api/scopes.py): 401 for an unknown or revoked key, 403 `insufficient_scope` else."""
    caller: Caller | None = await account_service.verify(session, key)
    if caller is None:
        raise Unauthorized("Invalid or revoked API key")
    route = request.scope.get("route")
    scope = required_scope(request.method, getattr(route, "path", request.url.path))
    if scope not in caller.scopes:
        raise InsufficientScope(scope)
    return caller.user


CurrentUser = Annotated[User, Depends(get_current_user)]
DetachedUser = Annotated[User, Depends(get_detached_user)]
