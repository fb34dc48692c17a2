"""Server-sent events for one run: `progress` on every change (at most ~2/s), `end` once.

Each poll opens its own short transaction: a stream never holds a database connection (or
SQLite's write lock) between events. Keep-alive comments come from sse-starlette's ping.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio

from coldcraft.runs.schemas import RunOut
from coldcraft.runs.service import run_service
from coldcraft.store.session import SessionMaker, reading

POLL_SECONDS = 0.5
PING_SECONDS = 15


async def _snapshot(sessionmaker: SessionMaker, run_id: str) -> RunOut | None:
    # A client that disconnects cancels the stream wherever it is; a read cut inside its
    # transaction could leave the pooled connection in it (store/engine.py drops such a
    # connection), so the few milliseconds of the read finish first.
    snapshot: RunOut | None = None
    with anyio.CancelScope(shield=True):
        async with reading(sessionmaker) as session:
            run = await run_service.read(session, run_id)
            snapshot = None if run is None else RunOut.from_run(run)
    return snapshot


def _event(name: str, run: RunOut | None) -> dict[str, Any]:
    body = {"run": None if run is None else run.model_dump(mode="json")}
    return {"event": name, "data": json.dumps(body)}


async def run_events(
    sessionmaker: SessionMaker, run_id: str, *, poll_seconds: float = POLL_SECONDS
) -> AsyncIterator[dict[str, Any]]:
    last: str | None = None
    while True:
        run = await _snapshot(sessionmaker, run_id)
        if run is None:
            yield _event("end", None)
            return
        current = run.model_dump_json()
        if current != last:
            last = current
            yield _event("progress", run)
        if run.terminal:
            yield _event("end", run)
            return
        await asyncio.sleep(poll_seconds)
