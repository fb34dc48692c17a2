"""The sweep: stale claims released, orphaned runs enqueued or failed."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from coldcraft.companies.repository import CompanyResearchRepository
from coldcraft.config import Settings
from coldcraft.store.base import utcnow
from coldcraft.store.models import AIChatSession, CompanyResearch, IdempotencyKey, Run
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.worker.sweep import SweepReport
from tests.fixtures.factories import Account
from tests.fixtures.runs import (
    create_chat_session,
    read_chat_session,
    read_run,
    wait_for_finisher,
    wait_for_run,
)
from tests.worker.kinds import CALLS, ECHO
from tests.worker.test_engine import start_echo

LONG_AGO = timedelta(hours=2)


@pytest.fixture
async def chat(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> dict[str, Any]:
    return await create_chat_session(api, sessionmaker, account)


async def sweep(app: FastAPI) -> SweepReport:
    report: SweepReport = await app.state.run_engine.sweep_once()
    return report


async def hold(
    sessionmaker: SessionMaker, chat: dict[str, Any], run_id: str | None, **values: Any
) -> None:
    async with unit_of_work(sessionmaker) as session:
        stmt = update(AIChatSession).where(AIChatSession.id == uuid.UUID(chat["id"]))
        claim = {"task_status": "generating_examples", "task_run_id": run_id}
        claim["task_claimed_at"] = utcnow()
        await session.execute(stmt.values(**{**claim, **values}))


async def test_a_queued_run_without_a_workflow_is_enqueued_and_runs(
    app: FastAPI, sessionmaker: SessionMaker, account: Account, chat: dict[str, Any]
) -> None:
    run_id = f"run_orphan{uuid.uuid4().hex}"
    async with unit_of_work(sessionmaker) as session:
        session.add(
            Run(
                id=run_id,
                user_id=account.user.id,
                kind=ECHO,
                status="queued",
                session_id=uuid.UUID(chat["id"]),
                params={"items": ["x", "y"]},
                created_at=utcnow() - LONG_AGO,
            )
        )
    await hold(sessionmaker, chat, run_id)
    report = await sweep(app)
    assert run_id in report.enqueued
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "completed"
    assert run.progress_done == 2
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None
    assert run_id not in (await sweep(app)).enqueued


async def test_a_run_whose_workflow_ended_early_is_failed_and_frees_its_session(
    app: FastAPI,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    chat: dict[str, Any],
) -> None:
    run_id = await start_echo(app, sessionmaker, account, settings, chat["id"], items=["a"])
    await wait_for_run(sessionmaker, run_id)
    client = app.state.run_engine.client

    await wait_for_finisher(client, run_id, timeout=10)
    async with unit_of_work(sessionmaker) as session:  # as if the run never got its finish
        stmt = update(Run).where(Run.id == run_id)
        await session.execute(stmt.values(status="running", created_at=utcnow() - LONG_AGO))
    await hold(sessionmaker, chat, run_id)
    report = await sweep(app)
    assert run_id in report.failed
    run = await read_run(sessionmaker, run_id)
    assert run is not None
    assert run.status == "failed"
    assert run.error is not None
    assert run.error["code"] == "internal"
    row = await read_chat_session(sessionmaker, chat["id"])
    assert row.task_status is None
    assert row.last_error is not None


async def test_claims_of_ended_or_missing_runs_are_released(
    app: FastAPI, sessionmaker: SessionMaker, account: Account, chat: dict[str, Any]
) -> None:
    await hold(sessionmaker, chat, "run_missing")
    report = await sweep(app)
    assert chat["id"] in report.released
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None


async def test_a_runless_claim_is_released_only_after_the_lease(
    app: FastAPI, sessionmaker: SessionMaker, settings: Settings, chat: dict[str, Any]
) -> None:
    await hold(sessionmaker, chat, None)
    assert chat["id"] not in (await sweep(app)).released
    old = utcnow() - timedelta(seconds=settings.claim_lease_seconds + 5)
    await hold(sessionmaker, chat, None, task_claimed_at=old)
    assert chat["id"] in (await sweep(app)).released


async def test_a_live_claim_is_left_alone(
    app: FastAPI,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    chat: dict[str, Any],
) -> None:
    run_id = await start_echo(
        app, sessionmaker, account, settings, chat["id"], items=["a", "b"], delay=0.5
    )
    report = await sweep(app)
    assert chat["id"] not in report.released
    assert run_id not in report.failed
    run = await wait_for_run(sessionmaker, run_id)
    assert run.status == "completed"
    assert CALLS[f"{run_id}:a"] == 1


async def test_recover_refuses_a_live_executor_and_takes_over_a_gone_one(
    app: FastAPI, settings: Settings
) -> None:
    engine = app.state.run_engine
    if not settings.is_sqlite:  # PostgreSQL: this process holds its executor's liveness lock
        with pytest.raises(RuntimeError, match="still alive"):
            await engine.recover([engine.executor_id])
    assert await engine.recover(["a-worker-that-never-existed"]) == 0


async def test_idempotency_keys_past_their_window_are_purged(
    app: FastAPI, sessionmaker: SessionMaker, account: Account
) -> None:
    async with unit_of_work(sessionmaker) as session:
        for key, age in (("old", timedelta(hours=25)), ("recent", timedelta(hours=23))):
            session.add(
                IdempotencyKey(
                    user_id=account.user.id,
                    key=key,
                    path="/api/x",
                    request_hash="0" * 64,
                    created_at=utcnow() - age,
                )
            )
    report = await sweep(app)
    assert report.purged_idempotency_keys == 1
    async with unit_of_work(sessionmaker) as session:
        left = (await session.execute(select(IdempotencyKey.key))).scalars().all()
    assert left == ["recent"]


async def test_expired_company_research_is_purged(app: FastAPI, sessionmaker: SessionMaker) -> None:
    async with unit_of_work(sessionmaker) as session:
        research = CompanyResearchRepository(session)
        for domain, expires in (("old.example", -timedelta(seconds=1)), ("new.example", LONG_AGO)):
            await research.upsert(
                domain=domain,
                result={"domain": domain, "facts": [], "urls": []},
                researched_at=utcnow(),
                expires_at=utcnow() + expires,
                extraction="offline",
                usage={},
            )

    report = await sweep(app)
    again = await sweep(app)

    assert (report.purged_company_research, again.purged_company_research) == (1, 0)
    async with unit_of_work(sessionmaker) as session:
        left = (await session.execute(select(CompanyResearch.domain))).scalars().all()
    assert left == ["new.example"]
