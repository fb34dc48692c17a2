from __future__ import annotations

import httpx

from coldcraft.config import Settings
from coldcraft.runs.service import run_service
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.runs import create_chat_session, read_chat_session, wait_for_run
from tests.worker.kinds import CALLS, ECHO


async def start_echo(
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    session_id: str | None,
    **params: object,
) -> str:
    import uuid

    async with unit_of_work(sessionmaker) as session:
        started = await run_service.start_run(
            session,
            user=account.user,
            kind=ECHO,
            settings=settings,
            session_id=uuid.UUID(session_id) if session_id else None,
            params=dict(params),
            claim="generating_examples" if session_id else None,
        )
    return started.run_id


async def test_a_run_processes_every_item_and_releases_the_claim(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, settings: Settings
) -> None:
    chat = await create_chat_session(api, sessionmaker, account)
    run_id = await start_echo(sessionmaker, account, settings, chat["id"], items=["a", "b", "c"])
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "completed"
    assert (run.progress_total, run.progress_done, run.progress_failed) == (3, 3, 0)
    assert run.usage["requests"] == 3
    assert all(CALLS[f"{run_id}:{k}"] == 1 for k in "abc")
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.task_status is None
    assert row.last_run_id == run_id
