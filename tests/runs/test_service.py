"""The session claim, releasing, cancelling, and a failed enqueue."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from dbos import DBOSClient
from fastapi import FastAPI
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.errors import InternalError, SessionBusy
from coldcraft.runs.claims import chat_claims
from coldcraft.runs.kinds import ErrorInfo, RunQueue
from coldcraft.runs.service import StartedRun, run_service
from coldcraft.store.base import utcnow
from coldcraft.store.models import AIChatSession, Run
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.runs import read_chat_session, read_run
from tests.worker.kinds import ECHO, EchoParams


async def claim(sessionmaker: SessionMaker, chat: dict[str, Any], run_id: str | None) -> None:
    async with unit_of_work(sessionmaker) as session:
        await chat_claims.claim(
            session,
            chat_id=uuid.UUID(chat["id"]),
            task_status="chat_processing",
            run_id=run_id,
            lease_seconds=Settings().claim_lease_seconds,
        )


async def start_claiming_echo(
    session: AsyncSession,
    queue: RunQueue,
    account: Account,
    settings: Settings,
    chat: dict[str, Any],
) -> StartedRun:
    """An echo run on `chat`, started in the caller's transaction (which it does not end)."""
    return await run_service.start_run(
        session,
        queue,
        user=account.user,
        kind=ECHO,
        settings=settings,
        chat_id=uuid.UUID(chat["id"]),
        params=EchoParams(items=["a"]),
        claim="generating_examples",
    )


async def add_run(sessionmaker: SessionMaker, account: Account, status: str, **fields: Any) -> str:
    run_id = f"run_test{uuid.uuid4().hex}"
    async with unit_of_work(sessionmaker) as session:
        session.add(Run(id=run_id, user_id=account.user.id, kind=ECHO, status=status, **fields))
    return run_id


async def test_a_free_session_is_claimed_with_its_run_and_time(
    sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    await claim(sessionmaker, chat, "run_x")
    row = await read_chat_session(sessionmaker, chat["id"])
    assert (row.task_status, row.task_run_id) == ("chat_processing", "run_x")
    assert row.task_claimed_at is not None


async def test_a_held_claim_raises_session_busy_with_the_current_status(
    sessionmaker: SessionMaker, account: Account, chat: dict[str, Any]
) -> None:
    holder = await add_run(sessionmaker, account, "running")
    await claim(sessionmaker, chat, holder)
    with pytest.raises(SessionBusy, match=r"^Session is busy \(chat_processing\)$"):
        await claim(sessionmaker, chat, "run_other")


@pytest.mark.parametrize("status", ["completed", "failed", "cancelled"])
async def test_a_claim_whose_run_ended_is_taken_over(
    sessionmaker: SessionMaker, account: Account, chat: dict[str, Any], status: str
) -> None:
    ended = await add_run(sessionmaker, account, status)
    await claim(sessionmaker, chat, ended)
    await claim(sessionmaker, chat, "run_next")
    assert (await read_chat_session(sessionmaker, chat["id"])).task_run_id == "run_next"


async def test_a_claim_whose_run_is_missing_is_taken_over(
    sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    await claim(sessionmaker, chat, "run_vanished")
    await claim(sessionmaker, chat, "run_next")
    assert (await read_chat_session(sessionmaker, chat["id"])).task_run_id == "run_next"


async def test_a_runless_claim_is_busy_until_its_lease_expires(
    sessionmaker: SessionMaker, chat: dict[str, Any], settings: Settings
) -> None:
    await claim(sessionmaker, chat, None)
    with pytest.raises(SessionBusy):
        await claim(sessionmaker, chat, "run_next")
    old = utcnow() - timedelta(seconds=settings.claim_lease_seconds + 1)
    async with unit_of_work(sessionmaker) as session:
        stmt = update(AIChatSession).where(AIChatSession.id == uuid.UUID(chat["id"]))
        await session.execute(stmt.values(task_claimed_at=old))
    await claim(sessionmaker, chat, "run_next")
    assert (await read_chat_session(sessionmaker, chat["id"])).task_run_id == "run_next"


async def test_release_only_frees_the_claim_of_its_holder(
    sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    await claim(sessionmaker, chat, "run_a")
    session_id = uuid.UUID(chat["id"])
    async with unit_of_work(sessionmaker) as session:
        assert not await chat_claims.release(session, chat_id=session_id, run_id="run_b")
        assert not await chat_claims.release(session, chat_id=session_id)
        error = ErrorInfo(code="upstream_error", message="boom")
        assert await chat_claims.release(session, chat_id=session_id, run_id="run_a", error=error)
    row = await read_chat_session(sessionmaker, chat["id"])
    assert (row.task_status, row.task_run_id, row.task_claimed_at) == (None, None, None)
    assert row.last_run_id == "run_a"
    assert row.last_error == {"code": "upstream_error", "message": "boom", "run_id": "run_a"}


async def test_cancel_runs_cancels_a_sessions_active_runs_and_frees_it(
    sessionmaker: SessionMaker, account: Account, chat: dict[str, Any]
) -> None:
    session_id = uuid.UUID(chat["id"])
    active = await add_run(sessionmaker, account, "running", session_id=session_id)
    done = await add_run(sessionmaker, account, "completed", session_id=session_id)
    await claim(sessionmaker, chat, active)
    async with unit_of_work(sessionmaker) as session:
        assert await run_service.cancel_runs(session, chat_id=session_id) == 1
    cancelled, completed = await read_run(sessionmaker, active), await read_run(sessionmaker, done)
    assert cancelled is not None
    assert cancelled.status == "cancelled"
    assert cancelled.cancel_requested
    assert completed is not None
    assert completed.status == "completed"
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None


async def test_cancel_runs_by_campaign(
    sessionmaker: SessionMaker, account: Account, chat: dict[str, Any]
) -> None:
    campaign_id = uuid.UUID(chat["campaign"]["id"])
    queued = await add_run(sessionmaker, account, "queued", campaign_id=campaign_id)
    async with unit_of_work(sessionmaker) as session:
        assert await run_service.cancel_runs(session, campaign_id=campaign_id) == 1
        assert await run_service.cancel_runs(session) == 0
    run = await read_run(sessionmaker, queued)
    assert run is not None
    assert run.status == "cancelled"


@pytest.fixture
def broken_enqueue(app: FastAPI, settings: Settings) -> Iterator[None]:
    """Point the engine's DBOS client at a system database that cannot take the workflow."""
    engine = app.state.run_engine
    working = engine.client
    if settings.is_sqlite:
        broken = DBOSClient(
            system_database_url="sqlite:////nonexistent/dir/dbos.sqlite",
            lazy=True,
            retry_connection_errors=False,
        )
    else:  # enqueued through our own transaction: a schema that does not exist fails it
        broken = DBOSClient(
            system_database_url=engine.system_url,
            dbos_system_schema="no_such_schema",
            lazy=True,
            retry_connection_errors=False,
        )
    engine.client = broken
    yield
    engine.client = working
    broken.destroy()


@pytest.mark.usefixtures("broken_enqueue")
async def test_a_failed_enqueue_is_a_500_and_leaves_the_session_free(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    chat: dict[str, Any],
    settings: Settings,
    run_queue: RunQueue,
) -> None:
    with pytest.raises(InternalError):
        async with unit_of_work(sessionmaker) as session:
            await start_claiming_echo(session, run_queue, account, settings, chat)
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.task_status is None
    await claim(sessionmaker, chat, None)  # immediately retryable


async def test_start_run_commits_nothing_of_its_own_on_either_database(
    app: FastAPI,
    sessionmaker: SessionMaker,
    account: Account,
    chat: dict[str, Any],
    settings: Settings,
    run_queue: RunQueue,
) -> None:
    """The caller owns the transaction: rolled back, it leaves no run, no claim and no
    workflow (SQLite's enqueue is an after-commit hook; PostgreSQL's joins the transaction)."""
    async with sessionmaker() as session:
        started = await start_claiming_echo(session, run_queue, account, settings, chat)
        await session.rollback()
    assert await read_run(sessionmaker, started.run_id) is None
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None
    client: DBOSClient = app.state.run_engine.client
    assert await client.list_workflows_async(workflow_ids=[started.run_id]) == []


@pytest.mark.usefixtures("broken_enqueue")
async def test_a_failed_enqueue_through_http_is_a_500_envelope_and_frees_the_chat(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    """The enqueue after the request's commit (SQLite) or inside it (PostgreSQL) fails: the
    client gets the envelope's 500, never a 202 for a run that will not run."""
    response = await api.post(
        f"/api/campaigns/ai-chat-sessions/{chat['id']}/turn", json={"message": "Hi"}
    )
    assert response.status_code == 500, response.text
    assert response.json()["error"] == {
        "code": "internal",
        "message": "Could not start the run; retry",
    }
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.task_status is None
    async with sessionmaker() as session:
        runs = (await session.execute(select(Run).where(Run.session_id == row.id))).scalars()
        assert all(run.status == "failed" for run in runs)
