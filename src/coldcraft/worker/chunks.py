"""A chunk of a run's items, executed by the chunk workflow: one item after the other.

Per item: skip it if `run_items` has it already (a recovered chunk resumes where it
stopped), stop if the run was cancelled or ended, else call the kind's `process` (the
model call; no transaction is open) and hand the outcome to the run's `ResultWriter`,
which commits it while the next item's call runs. `run_items` is the per-item checkpoint:
a crash re-does only what was in flight (per running chunk: one call, one write).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from coldcraft.runs.kinds import AnyKind, Item, ItemOutcome
from coldcraft.runs.repository import TERMINAL_STATUSES, RunItemRepository, RunRepository
from coldcraft.store.models import Run
from coldcraft.store.outage import retry_while_unavailable
from coldcraft.store.session import unit_of_work
from coldcraft.worker.results import ResultWriter, Written, release, writer_for
from coldcraft.worker.runtime import Runtime
from coldcraft.worker.steps import RawItem, error_of

log = logging.getLogger("coldcraft.worker")


@dataclass
class ChunkSummary:
    written: int = 0
    skipped: int = 0
    stopped: bool = False

    def as_dict(self) -> dict[str, int]:
        return {"written": self.written, "skipped": self.skipped, "stopped": int(self.stopped)}


@dataclass
class Chunk:
    """A chunk's view of its run, loaded when the chunk workflow (re)starts. `run` is a
    read-only snapshot handed to the kind's `write`."""

    rt: Runtime
    run: Run
    kind: AnyKind
    prepared: Any
    writer: ResultWriter
    done: set[str] = field(default_factory=set)

    @classmethod
    async def load(cls, rt: Runtime, run_id: str, keys: list[str]) -> Chunk | None:
        """None when the run is gone, ended or cancelled: nothing to do."""
        return await retry_while_unavailable(
            lambda: cls._load(rt, run_id, keys), what="loading a chunk"
        )

    @classmethod
    async def _load(cls, rt: Runtime, run_id: str, keys: list[str]) -> Chunk | None:
        async with unit_of_work(rt.sessionmaker) as session:
            run = await RunRepository(session).get_fresh(run_id)
            if run is None or run.status in TERMINAL_STATUSES or run.cancel_requested:
                return None
            kind = rt.kinds.get(run.kind)
            done = await RunItemRepository(session).done_keys(run_id, keys)
            prepared = await kind.prepare(rt.env, session, run)
        writer = writer_for(rt, run, kind)
        writer.observe(False)  # just read: not ended, not cancelled
        return cls(rt, run, kind, prepared, writer, done)

    async def execute(self, items: list[RawItem]) -> ChunkSummary:
        try:
            return await self._execute(items)
        finally:
            release(self.writer)

    async def _execute(self, items: list[RawItem]) -> ChunkSummary:
        """The next item's call overlaps the previous item's write (one of each at most)."""
        summary = ChunkSummary()
        writing: asyncio.Task[Written] | None = None
        try:
            for raw in items:
                item = Item(raw["key"], raw["data"])
                if item.key in self.done:
                    summary.skipped += 1
                    continue
                if await self.writer.should_stop():
                    summary.stopped = True
                    break
                outcome = await self._process(item)
                if writing is not None:
                    summary.written += int((await writing).written)
                writing = asyncio.create_task(self.writer.write(item, outcome))
            if writing is not None:
                summary.written += int((await writing).written)
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
        summary.stopped = summary.stopped or self.writer.stop
        return summary

    async def _process(self, item: Item) -> ItemOutcome:
        try:
            return await self.kind.process(self.rt.env, self.prepared, item)
        except Exception as exc:
            log.warning("run %s item %s failed: %s", self.run.id, item.key, exc)
            return self.kind.failure(item, error_of(exc))
