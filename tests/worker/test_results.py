from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import event

from coldcraft.config import Settings
from coldcraft.store.models import Run
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.worker.kinds import run_kinds
from coldcraft.worker.results import ResultWriter
from coldcraft.worker.runtime import Runtime
from tests.fixtures.factories import Account
from tests.worker.kinds import ECHO


async def test_chunks_finding_the_cancel_flag_stale_together_share_one_read(
    sessionmaker: SessionMaker, account: Account, settings: Settings
) -> None:
    run = Run(id=uuid.uuid4().hex, user_id=account.user.id, kind=ECHO, status="running")
    async with unit_of_work(sessionmaker) as session:
        session.add(run)
    runtime = Runtime(settings, sessionmaker, run_kinds())
    writer = ResultWriter(runtime, run, runtime.kinds.get(ECHO))
    engine = sessionmaker.kw["bind"].sync_engine
    reads: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "cancel_requested" in statement and "FROM runs" in statement:
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        stops = await asyncio.gather(*(writer.should_stop() for _ in range(20)))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert stops == [False] * 20
    assert len(reads) == 1


async def test_a_cancel_requested_meanwhile_is_seen_by_every_waiting_chunk(
    sessionmaker: SessionMaker, account: Account, settings: Settings
) -> None:
    run = Run(id=uuid.uuid4().hex, user_id=account.user.id, kind=ECHO, status="running")
    run.cancel_requested = True
    async with unit_of_work(sessionmaker) as session:
        session.add(run)
    runtime = Runtime(settings, sessionmaker, run_kinds())
    writer = ResultWriter(runtime, run, runtime.kinds.get(ECHO))
    stops = await asyncio.gather(*(writer.should_stop() for _ in range(5)))
    assert stops == [True] * 5
