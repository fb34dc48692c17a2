"""The sweep: no claim stays stuck, no run stays orphaned, no dead worker's runs stay put.

Runs periodically in every executor process (and on demand in tests and the CLI):
1. Claims: a session claimed by a run that is terminal or missing, or by nobody (a
   synchronous chat turn) for longer than `claim_lease_seconds`, is released.
2. Runs queued/running for longer than `run_enqueue_grace_seconds`: with no workflow,
   the run is enqueued (the outbox's second chance: workflow id = run id, idempotent); when
   its coordinator or its finisher ended without finishing the run (error, cancelled, too
   many recovery attempts) the run is failed and its claim released.
3. PostgreSQL: executors that own PENDING workflows and whose liveness lock every probe
   found free for 5 s (two sweeps at least) are gone; their workflows are recovered here
   (see worker/liveness.py). Not at the first free lock: a database restart frees them
   all until each live executor takes its own again.
4. Idempotency keys past their 24 h replay window are deleted.
5. Company research rows past their expiry are deleted (an expired row is never read: the
   next research of that company replaces it; without the purge, every company ever
   researched would stay in the table).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from dbos import DBOS, DBOSClient
from sqlalchemy import delete, select

from coldcraft.companies.service import purge_expired
from coldcraft.runs.claims import ClaimRepository
from coldcraft.runs.repository import RunRepository
from coldcraft.store.base import utcnow
from coldcraft.store.models import IdempotencyKey
from coldcraft.store.models.idempotency import REPLAY_WINDOW
from coldcraft.store.session import unit_of_work
from coldcraft.worker.config import finisher_id
from coldcraft.worker.liveness import ExecutorLock
from coldcraft.worker.runtime import Runtime
from coldcraft.worker.steps import finish_run

log = logging.getLogger("coldcraft.worker")

ENDED = frozenset({"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"})
# An executor is recovered once every probe for this long found its lock free (so, at
# the earliest, at the first sweep this long after the first such probe): a database
# restart frees all the locks, and a live executor takes its own again within a second
# of the database's return (RunEngine's lock keeper).
DEATH_GRACE_SECONDS = 5.0
LOST = {"code": "internal", "message": "The run's workflow ended before the run finished"}

Enqueue = Callable[[str], Awaitable[None]]


@dataclass
class SweepReport:
    released: list[str] = field(default_factory=list)  # session ids
    enqueued: list[str] = field(default_factory=list)  # run ids
    failed: list[str] = field(default_factory=list)  # run ids
    recovered_executors: list[str] = field(default_factory=list)
    purged_idempotency_keys: int = 0
    purged_company_research: int = 0


async def sweep(
    rt: Runtime,
    client: DBOSClient,
    enqueue: Enqueue,
    *,
    lock: ExecutorLock | None = None,
) -> SweepReport:
    report = SweepReport()
    await _release_stale_claims(rt, report)
    await _repair_orphaned_runs(rt, client, enqueue, report)
    if lock is not None:
        await _recover_dead_executors(client, lock, report, grace=DEATH_GRACE_SECONDS)
    report.purged_idempotency_keys = await _purge_idempotency_keys(rt)
    report.purged_company_research = await purge_expired(rt.sessionmaker)
    return report


async def _purge_idempotency_keys(rt: Runtime) -> int:
    """Keys past their replay window would never be read again (a reuse replaces its own).
    Like every step, it writes only when there is something to do (an indexed probe first),
    so a sweep on a read-only database still runs."""
    expired = IdempotencyKey.created_at < utcnow() - REPLAY_WINDOW
    async with unit_of_work(rt.sessionmaker) as session:
        if await session.scalar(select(IdempotencyKey.id).where(expired).limit(1)) is None:
            return 0
        stmt = delete(IdempotencyKey).where(expired)
        result = await session.execute(stmt.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def _release_stale_claims(rt: Runtime, report: SweepReport) -> None:
    lease_start = utcnow() - timedelta(seconds=rt.settings.claim_lease_seconds)
    async with unit_of_work(rt.sessionmaker) as session:
        claims = ClaimRepository(session)
        held = await claims.list_claims()
        runs = await RunRepository(session).get_many([c.run_id for c in held if c.run_id])
        for claim in held:
            if claim.is_stale(runs.get(claim.run_id or ""), lease_start=lease_start):
                if await claims.release_stale(claim):
                    report.released.append(str(claim.chat_id))


async def _repair_orphaned_runs(
    rt: Runtime, client: DBOSClient, enqueue: Enqueue, report: SweepReport
) -> None:
    cutoff = utcnow() - timedelta(seconds=rt.settings.run_enqueue_grace_seconds)
    async with unit_of_work(rt.sessionmaker) as session:
        run_ids = [run.id for run in await RunRepository(session).list_active_before(cutoff)]
    if not run_ids:
        return
    ids = [*run_ids, *(finisher_id(run_id) for run_id in run_ids)]
    workflows = await client.list_workflows_async(
        workflow_ids=ids, load_input=False, load_output=False
    )
    status_of = {wf.workflow_id: wf.status for wf in workflows}
    for run_id in run_ids:
        verdict = _verdict(status_of.get(run_id), status_of.get(finisher_id(run_id)))
        if verdict == "enqueue":
            await enqueue(run_id)
            report.enqueued.append(run_id)
        elif verdict == "lost":
            await finish_run(rt, run_id, LOST)
            report.failed.append(run_id)


def _verdict(run: str | None, finisher: str | None) -> str:
    """What an active run needs, from its coordinator's and its finisher's status."""
    if run is None:
        return "enqueue"  # the outbox's second chance
    if finisher in ENDED:
        return "lost"  # finished without finishing the run
    if run in ENDED and (run != "SUCCESS" or finisher is None):
        return "lost"  # the coordinator died for good, or ended without a finisher
    return "ok"


async def _recover_dead_executors(
    client: DBOSClient, lock: ExecutorLock, report: SweepReport, *, grace: float
) -> None:
    pending = await client.list_workflows_async(
        status="PENDING", load_input=False, load_output=False
    )
    owners = sorted({wf.executor_id for wf in pending if wf.executor_id} - {lock.executor_id})
    if not owners:
        return
    dead = await asyncio.to_thread(functools.partial(lock.confirm_dead, owners, grace=grace))
    if dead:
        log.warning("recovering the workflows of gone executors: %s", ", ".join(dead))
        await asyncio.to_thread(DBOS._recover_pending_workflows, dead)
        report.recovered_executors.extend(dead)
