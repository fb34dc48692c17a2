from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from coldcraft.config import Settings
from coldcraft.runs.kinds import RunQueue
from coldcraft.runs.service import run_service
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.runs import create_chat_session, wait_for_run
from tests.worker.kinds import ECHO, EchoParams


@pytest.fixture
async def chat(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> dict[str, Any]:
    return await create_chat_session(api, sessionmaker, account)


@pytest.fixture
async def finished_run(
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    chat: dict[str, Any],
    run_queue: RunQueue,
) -> dict[str, str]:
    """A completed echo run of `account` on `chat`: {"id", "token"}."""
    async with unit_of_work(sessionmaker) as session:
        started = await run_service.start_run(
            session,
            run_queue,
            user=account.user,
            kind=ECHO,
            settings=settings,
            chat_id=uuid.UUID(chat["id"]),
            campaign_id=uuid.UUID(chat["campaign"]["id"]),
            params=EchoParams(items=["a", "b"]),
            claim="generating_examples",
        )
    await wait_for_run(sessionmaker, started.run_id)
    return {"id": started.run_id, "token": started.public_access_token}


@pytest.fixture
async def anon(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no credentials (the `client` fixture carries `api`'s key once used)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
