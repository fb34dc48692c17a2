"""Writing item results: each one committed as soon as it completes, in a short transaction.

One `ResultWriter` per run and process serves all of that run's chunks here. A result is
written at once when the writer is idle; results that complete while a transaction is being
committed share the next one (a group commit), so 50 chunks finishing together cost a few
transactions instead of 50. A transaction locks the run row (PostgreSQL; SQLite serialises
writers anyway), re-checks that the run is not terminal (a cancelled run's late results are
dropped), inserts the `run_items` rows that are not there yet (unique on run + key, so a
replayed item is never stored or counted twice), adds to the counters and usage, and calls
the kind's `write()` for each new row.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from coldcraft.llm.usage import Usage
from coldcraft.runs.kinds import AnyKind, Item, ItemOutcome
from coldcraft.runs.repository import TERMINAL_STATUSES, RunItemRepository, RunRepository
from coldcraft.store.models import Run
from coldcraft.store.outage import retry_while_unavailable
from coldcraft.store.session import unit_of_work
from coldcraft.worker.runtime import Runtime
from coldcraft.worker.steps import settle_run

log = logging.getLogger("coldcraft.worker")

MAX_BATCH = 100
FRESH_SECONDS = 0.05  # how old a view of the run's cancel flag may be to start an item


@dataclass(frozen=True)
class Written:
    written: bool  # this call stored the result (False: stored before, or run ended)
    stop: bool  # the run ended or was asked to stop: start no new item


@dataclass
class _Pending:
    item: Item
    outcome: ItemOutcome
    future: asyncio.Future[Written]


class ResultWriter:
    def __init__(self, rt: Runtime, run: Run, kind: AnyKind) -> None:
        self.rt, self.run, self.kind = rt, run, kind
        self._queue: list[_Pending] = []
        self._task: asyncio.Task[None] | None = None
        self.users = 0
        self.stop = False  # the run ended or is cancelled: start no new item
        self._seen_at = 0.0  # when the run's state was last read (monotonic)
        self._reading: asyncio.Task[None] | None = None  # the read of the flag in flight

    async def should_stop(self) -> bool:
        """Whether to start no new item: from the last commit's view of the run when it is
        fresh (writes of a busy run refresh it continuously), else read now."""
        if self.stop or time.monotonic() - self._seen_at < FRESH_SECONDS:
            return self.stop
        # Chunks that find the view stale together share one read instead of 50 of them;
        # shielded so a cancelled chunk does not cancel the read the others wait for.
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read_flag())
        await asyncio.shield(self._reading)
        return self.stop

    async def _read_flag(self) -> None:
        flag = await retry_while_unavailable(self._cancel_flag, what="reading a run's state")
        self.observe(flag is None or flag[0] in TERMINAL_STATUSES or flag[1])

    async def _cancel_flag(self) -> tuple[str, bool] | None:
        async with unit_of_work(self.rt.sessionmaker) as session:
            return await RunRepository(session).cancel_flag(self.run.id)

    def observe(self, stop: bool) -> None:
        self.stop = self.stop or stop
        self._seen_at = time.monotonic()

    async def write(self, item: Item, outcome: ItemOutcome) -> Written:
        future: asyncio.Future[Written] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(item, outcome, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                results = await self._commit(batch)
            except Exception as exc:
                await self._one_by_one(batch, exc)
                continue
            for pending, result in zip(batch, results, strict=True):
                if not pending.future.done():
                    pending.future.set_result(result)

    async def _one_by_one(self, batch: list[_Pending], exc: Exception) -> None:
        """A failed group commit: retry each result alone, so one bad item fails alone."""
        if len(batch) == 1:
            if not batch[0].future.done():
                batch[0].future.set_exception(exc)
            return
        for pending in batch:
            try:
                result = (await self._commit([pending]))[0]
            except Exception as one:
                if not pending.future.done():
                    pending.future.set_exception(one)
                continue
            if not pending.future.done():
                pending.future.set_result(result)

    async def _commit(self, batch: list[_Pending]) -> list[Written]:
        """Commit a batch; through a database outage, again until it is back (idempotent:
        rows already stored are not new, so nothing is counted or written twice)."""
        return await retry_while_unavailable(
            lambda: self._commit_once(batch), what="writing a run's results"
        )

    async def _commit_once(self, batch: list[_Pending]) -> list[Written]:
        async with unit_of_work(self.rt.sessionmaker) as session:
            runs = RunRepository(session)
            state = await runs.lock_progress(self.run.id)
            if state is None or state.status in TERMINAL_STATUSES:
                self.observe(True)
                return [Written(False, True)] * len(batch)
            self.observe(state.cancel_requested)
            # One result per key: the same item twice in a batch (two executions of a chunk
            # in this process, e.g. a recovery while it still ran) is stored and counted once.
            first: dict[str, _Pending] = {}
            for pending in batch:
                first.setdefault(pending.item.key, pending)
            rows = [(p.item.key, p.outcome.ok, p.outcome.stored()) for p in first.values()]
            new = await RunItemRepository(session).insert_new(self.run.id, rows)
            fresh = [p for p in first.values() if p.item.key in new]
            complete = bool(fresh) and await self._count(runs, state.usage, fresh)
            for pending in fresh:
                await self.kind.write(session, self.run, pending.item, pending.outcome)
            if complete:  # the last item: finish the run now (the finisher is a safety net)
                await settle_run(self.rt, session, self.run.id, None)
        stored = {id(p) for p in fresh}
        return [Written(id(p) in stored, state.cancel_requested) for p in batch]

    async def _count(
        self, runs: RunRepository, usage: dict[str, Any], fresh: list[_Pending]
    ) -> bool:
        total = Usage.merge(Usage.from_dict(usage), *(p.outcome.usage for p in fresh))
        done = sum(1 for p in fresh if p.outcome.ok)
        return await runs.count_items(
            self.run.id, done=done, failed=len(fresh) - done, usage=total.as_dict()
        )


_writers: dict[str, ResultWriter] = {}


def writer_for(rt: Runtime, run: Run, kind: AnyKind) -> ResultWriter:
    """The writer of this run in this process, shared by its chunks; `release` it after."""
    writer = _writers.get(run.id)
    if writer is None:
        writer = _writers[run.id] = ResultWriter(rt, run, kind)
    writer.users += 1
    return writer


def release(writer: ResultWriter) -> None:
    writer.users -= 1
    if writer.users <= 0 and _writers.get(writer.run.id) is writer:
        del _writers[writer.run.id]
