"""Dependencies as `Annotated` aliases: endpoints declare what they need, nothing more."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import account_service
from coldcraft.config import Settings
from coldcraft.errors import Unauthorized
from coldcraft.store.models import User
from coldcraft.store.session import SessionMaker

bearer_scheme = HTTPBearer(auto_error=False, description="API key: `Bearer pk_live_...`")


def get_sessionmaker(request: Request) -> SessionMaker:
    sessionmaker: SessionMaker = request.app.state.sessionmaker
    return sessionmaker


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed after the endpoint returns, before the reply."""
    async with get_sessionmaker(request)() as session:
        if request.method == "GET" and session.get_bind().dialect.name == "postgresql":
            # A read needs no transaction of its own (each statement sees committed data,
            # as under READ COMMITTED): one round trip per query instead of BEGIN/.../COMMIT.
            await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


DBSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings)]
Sessions = Annotated[SessionMaker, Depends(get_sessionmaker)]
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]


async def get_current_user(session: DBSession, credentials: BearerToken) -> User:
    if credentials is None:
        raise Unauthorized("Missing API key: send 'Authorization: Bearer <api key>'")
    user = await account_service.authenticate(session, credentials.credentials)
    if user is None:
        raise Unauthorized("Invalid or revoked API key")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
