"""The run engine of this process: enqueueing (always) and executing (embedded or worker).

It is the `RunQueue` that `runs.service.start_run` is handed (runs/ never imports worker/).

- `RunEngine.start(execute=False)`: an API process of the distributed shape: a
  `DBOSClient` only (it never runs workflow code).
- `RunEngine.start(execute=True)`: also launches the DBOS executor (a process-wide
  singleton) on the running event loop, registers the queues from settings, holds the
  executor's liveness lock on PostgreSQL, and runs the periodic sweep. Its run kinds are
  `worker/kinds.py`'s: a misnamed kind fails the start.

Launch and shutdown are idempotent; launching for another system database (a test session
switching backends) destroys the previous DBOS instance first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from dbos import DBOS, DBOSClient, EnqueueOptions
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.runs.kinds import RunKinds
from coldcraft.store.outage import is_unavailable
from coldcraft.store.session import SessionMaker
from coldcraft.worker import workflows  # noqa: F401  (registers the workflows with DBOS)
from coldcraft.worker.config import (
    APP_NAME,
    EMBEDDED_EXECUTOR_ID,
    FINISH_QUEUE,
    PROVIDER_QUEUE,
    RUN_WORKFLOW,
    RUNS_QUEUE,
    dbos_config,
    provider_queue_limits,
    shares_our_database,
    system_database_url,
)
from coldcraft.worker.kinds import run_kinds
from coldcraft.worker.liveness import ExecutorLock
from coldcraft.worker.runtime import Runtime, set_runtime
from coldcraft.worker.sweep import SweepReport, sweep

log = logging.getLogger("coldcraft.worker")

RUN_COORDINATORS_PER_EXECUTOR = 8
FINISHERS_PER_EXECUTOR = 16
LOCK_ATTEMPTS = 10
LOCK_RETRY_SECONDS = 0.5
LOCK_CHECK_SECONDS = 1.0  # how soon the liveness lock is taken again after a database restart
SHUTDOWN_POLL_SECONDS = 0.2  # how often a stopping executor looks for running workflows

_launched_key: tuple[str, str] | None = None


class ExecutorIdInUse(RuntimeError):
    pass


class RunEngine:
    def __init__(
        self,
        settings: Settings,
        sessionmaker: SessionMaker,
        *,
        kinds: Callable[[], RunKinds] = run_kinds,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.kinds = kinds  # built at start: a misnamed kind fails the start, not an import
        self._runtime: Runtime | None = None
        self.system_url = system_database_url(settings)
        self.in_transaction = shares_our_database(settings)
        self.client: DBOSClient | None = None
        self.executor_id: str | None = None
        self.lock: ExecutorLock | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None

    @property
    def executing(self) -> bool:
        return self.executor_id is not None

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("The run engine is not started")
        return self._runtime

    async def start(self, *, execute: bool, executor_id: str | None = None) -> None:
        """Raises `UnknownRunKind` (naming the kind) when a run kind is misnamed."""
        self._runtime = Runtime(self.settings, self.sessionmaker, self.kinds())
        if execute:
            set_runtime(self.runtime)  # before launch: recovered workflows may start at once
            await self._launch(executor_id or self.settings.worker_id or EMBEDDED_EXECUTOR_ID)
        else:
            await asyncio.to_thread(DBOS.migrate, self.system_url)
        self.client = DBOSClient(
            system_database_url=self.system_url, application_name=APP_NAME, lazy=True
        )

    async def _launch(self, executor_id: str) -> None:
        if not self.system_url.startswith("sqlite"):
            self.lock = await _take_lock(self.system_url, executor_id)
        else:
            _use_wal(self.system_url)
        launch_dbos(self.settings, executor_id)
        self.executor_id = executor_id
        await _register_queues(self.settings)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="coldcraft-sweep")
        if self.lock is not None:
            self._keeper = asyncio.create_task(_keep_lock(self.lock), name="coldcraft-lock")

    async def stop(self) -> None:
        for task in (self._sweeper, self._keeper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._sweeper = self._keeper = None
        if self.client is not None:
            self.client.destroy()
            self.client = None
        if self.executing:
            await self._let_workflows_end()
            shutdown_dbos()
            set_runtime(None)
            self.executor_id = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    async def _let_workflows_end(self) -> None:
        """Give this executor's workflows a moment to end before DBOS stops: a finisher whose
        run has just ended records its outcome within a poll (1 s). Whatever still runs after
        `shutdown_grace_seconds` stays PENDING and resumes at the next start (or on another
        worker); cut short, DBOS logs each one's interrupted await."""
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds
        while time.monotonic() < deadline:
            try:
                running = await DBOS.list_workflows_async(
                    status="PENDING",
                    executor_id=self.executor_id,
                    load_input=False,
                    load_output=False,
                    limit=1,
                )
            except Exception:  # the database is gone: nothing to wait for
                return
            if not running:
                return
            await asyncio.sleep(SHUTDOWN_POLL_SECONDS)

    # --- enqueueing -------------------------------------------------------------------

    def _options(self, run_id: str) -> EnqueueOptions:
        return {
            "queue_name": RUNS_QUEUE,
            "workflow_name": RUN_WORKFLOW,
            "workflow_id": run_id,
            "app_version": self.settings.app_version,
        }

    async def enqueue_in_transaction(self, session: AsyncSession, run_id: str) -> None:
        """Enqueue through the caller's PostgreSQL transaction (commits or rolls back with it)."""
        client = self._client()
        options = self._options(run_id)
        conn = await session.connection()
        await conn.run_sync(lambda sync: client.enqueue_in_transaction(sync, options, run_id))

    async def enqueue(self, run_id: str) -> None:
        """Enqueue on its own (idempotent: the workflow id is the run id)."""
        await self._client().enqueue_async(self._options(run_id), run_id)

    def _client(self) -> DBOSClient:
        if self.client is None:
            raise RuntimeError("The run engine is not started")
        return self.client

    # --- health and sweep ---------------------------------------------------------------

    async def healthy(self) -> bool:
        try:
            await self._client().check_connection_async()
        except Exception:
            return False
        return True

    async def recover(self, executor_ids: list[str], *, force: bool = False) -> int:
        """Re-enqueue the unfinished workflows of executors that are gone for good.

        On PostgreSQL an executor that still holds its liveness lock is refused (it is
        alive: recovering it would run its workflows twice) unless `force`.
        """
        if self.lock is not None and not force:
            dead = await asyncio.to_thread(self.lock.probe_dead, executor_ids)
            alive = sorted(set(executor_ids) - set(dead))
            if alive:
                raise RuntimeError(f"worker(s) still alive: {', '.join(alive)} (use --force)")
        handles = await asyncio.to_thread(DBOS._recover_pending_workflows, executor_ids)
        return len(handles)

    async def sweep_once(self) -> SweepReport:
        return await sweep(self.runtime, self._client(), self.enqueue, lock=self.lock)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.run_sweep_interval_seconds)
            try:
                await self.sweep_once()
            except Exception as exc:
                if not is_unavailable(exc):
                    log.exception("run sweep failed")
                else:  # an outage: the next sweep tries again; no traceback every interval
                    log.warning("run sweep skipped: database unavailable (%s)", type(exc).__name__)


async def _keep_lock(lock: ExecutorLock) -> None:
    """Take the liveness lock again as soon as the database is back: a restart drops every
    executor's lock, and other executors' sweeps must not take this live one for dead."""
    while True:
        await asyncio.sleep(LOCK_CHECK_SECONDS)
        with contextlib.suppress(Exception):  # an outage: try again next time
            await asyncio.to_thread(lock.ensure)


async def _take_lock(url: str, executor_id: str) -> ExecutorLock:
    """The executor's liveness lock; retried briefly, as a killed predecessor's session
    may take a moment to end on the server."""
    lock = ExecutorLock(url, executor_id)
    for _ in range(LOCK_ATTEMPTS):
        if await asyncio.to_thread(lock.acquire):
            return lock
        await asyncio.sleep(LOCK_RETRY_SECONDS)
    raise ExecutorIdInUse(f"Executor id {executor_id!r} is in use by a live process")


def launch_dbos(settings: Settings, executor_id: str) -> None:
    """Launch the process-wide DBOS executor on the running event loop (idempotent)."""
    global _launched_key
    key = (system_database_url(settings), executor_id)
    if _launched_key == key:
        return
    if _launched_key is not None:
        shutdown_dbos()
    DBOS(config=dbos_config(settings, executor_id=executor_id))  # type: ignore[arg-type]
    DBOS.launch()
    _launched_key = key


def shutdown_dbos() -> None:
    global _launched_key
    if _launched_key is None:
        return
    DBOS.destroy(destroy_registry=False)
    _launched_key = None
    # DBOS made its (now shut down) thread pool this loop's default executor.
    with contextlib.suppress(RuntimeError):
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor())


async def _register_queues(settings: Settings) -> None:
    poll = settings.run_queue_poll_seconds
    # Coordinators only plan (finishers wait), but a burst of them contends with the API
    # for the database: each executor plans at most this many runs at once.
    await DBOS.register_queue_async(
        RUNS_QUEUE,
        worker_concurrency=RUN_COORDINATORS_PER_EXECUTOR,
        polling_interval_sec=poll,
        on_conflict="always_update",
    )
    await DBOS.register_queue_async(
        PROVIDER_QUEUE, on_conflict="always_update", **provider_queue_limits(settings)
    )
    # Finishers are a safety net (a run normally finishes with its last result's write):
    # a few per executor poll for their chunks; the others wait their turn in the queue.
    await DBOS.register_queue_async(
        FINISH_QUEUE,
        worker_concurrency=FINISHERS_PER_EXECUTOR,
        polling_interval_sec=poll,
        on_conflict="always_update",
    )


def _use_wal(url: str) -> None:
    """WAL lets DBOS's readers run beside its writer (the mode is stored in the file)."""
    path = url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
