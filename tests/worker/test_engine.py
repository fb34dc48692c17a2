from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from coldcraft.config import Settings
from coldcraft.runs.service import run_service
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.runs import create_chat_session, read_chat_session, wait_for_run
from tests.worker.kinds import CALLS, ECHO, EchoParams


async def start_echo(
    app: FastAPI,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    chat_id: str | None,
    *,
    kind: str = ECHO,
    **params: Any,
) -> str:
    async with unit_of_work(sessionmaker) as session:
        started = await run_service.start_run(
            session,
            app.state.run_engine,
            user=account.user,
            kind=kind,
            settings=settings,
            chat_id=uuid.UUID(chat_id) if chat_id else None,
            params=EchoParams(**params),
            claim="generating_examples" if chat_id else None,
        )
    return started.run_id


async def test_a_run_processes_every_item_and_releases_the_claim(
    app: FastAPI,
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
) -> None:
    chat = await create_chat_session(api, sessionmaker, account)
    items = ["a", "b", "c"]
    run_id = await start_echo(app, sessionmaker, account, settings, chat["id"], items=items)
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "completed"
    assert (run.progress_total, run.progress_done, run.progress_failed) == (3, 3, 0)
    assert run.usage["requests"] == 3
    assert all(CALLS[f"{run_id}:{k}"] == 1 for k in "abc")
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.task_status is None
    assert row.last_run_id == run_id
