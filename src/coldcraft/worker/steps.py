"""The run workflow's two durable steps: start (plan the chunks) and finish.

Each opens its own short transaction and re-checks the world: a run that is gone or
already terminal is left alone. Both are idempotent, so a step re-executed after a crash
(its checkpoint was not written) does no harm.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.runs.claims import chat_claims
from coldcraft.runs.kinds import AnyKind, ErrorInfo, Item, UnknownRunKind
from coldcraft.runs.repository import TERMINAL_STATUSES, RunItemRepository, RunRepository
from coldcraft.store.base import utcnow
from coldcraft.store.models import Run
from coldcraft.store.outage import retry_while_unavailable
from coldcraft.store.session import unit_of_work
from coldcraft.worker.config import chunk_size
from coldcraft.worker.runtime import Runtime

log = logging.getLogger("coldcraft.worker")

RawItem = dict[str, Any]
MESSAGE_LIMIT = 500


def error_of(exc: BaseException) -> ErrorInfo:
    """{code, message} for an item or run failure (LLMError keeps its code)."""
    as_dict = getattr(exc, "as_dict", None)
    if callable(as_dict):
        data = as_dict()
        if isinstance(data, dict) and "code" in data:
            return ErrorInfo(code=str(data["code"]), message=str(data.get("message", "")))
    message = " ".join(str(exc).split())[:MESSAGE_LIMIT] or type(exc).__name__
    return ErrorInfo(code="internal", message=message)


def raw_item(item: Item) -> RawItem:
    """An item as the durable plan stores it (DBOS serialises workflow arguments)."""
    return {"key": item.key, "data": item.data}


async def start_run(rt: Runtime, run_id: str) -> list[list[RawItem]] | None:
    """Mark the run running and plan its chunks; None when there is nothing to do."""
    return await retry_while_unavailable(lambda: _start(rt, run_id), what="starting a run")


async def _start(rt: Runtime, run_id: str) -> list[list[RawItem]] | None:
    async with unit_of_work(rt.sessionmaker) as session:
        run = await RunRepository(session).get_fresh(run_id, lock=True)
        if run is None or run.status in TERMINAL_STATUSES:
            return None
        if run.cancel_requested:
            return None
        items = await rt.kinds.get(run.kind).items(session, run)
        run.status = "running"
        run.started_at = run.started_at or utcnow()
        run.progress_total = len(items)
    raw = [raw_item(item) for item in items]
    size = chunk_size(len(raw), rt.settings)
    return [raw[i : i + size] for i in range(0, len(raw), size)]


async def finish_run(rt: Runtime, run_id: str, error: dict[str, Any] | None) -> str:
    """Mark the run terminal (unless it already is) and release its chat claim. `error` is
    a stored `{code, message}` (a durable step's argument is plain JSON)."""
    failure = ErrorInfo.of(error) if error is not None else None

    async def finish() -> str:
        async with unit_of_work(rt.sessionmaker) as session:
            return await settle_run(rt, session, run_id, failure)

    return await retry_while_unavailable(finish, what="finishing a run")


async def settle_run(
    rt: Runtime, session: AsyncSession, run_id: str, error: ErrorInfo | None
) -> str:
    """In the caller's transaction: completed/failed/cancelled, `kind.finish()`, claim
    released. Idempotent: a terminal run only gets its claim release retried."""
    run = await RunRepository(session).get_fresh(run_id, lock=True)
    if run is None:
        return "gone"
    if run.status not in TERMINAL_STATUSES:
        try:
            kind: AnyKind | None = rt.kinds.get(run.kind)
        except UnknownRunKind as exc:
            kind, error = None, error or ErrorInfo(code="internal", message=str(exc))
        await _settle(session, run, kind, error)
        if kind is not None:
            await kind.finish(session, run)
    await chat_claims.release_for_run(session, run)
    return run.status


async def _settle(
    session: AsyncSession, run: Run, kind: AnyKind | None, error: ErrorInfo | None
) -> None:
    if error is None and kind is not None and kind.fail_run_on_item_error and run.progress_failed:
        error = await _first_item_error(session, run.id)
    if run.cancel_requested:
        run.status = "cancelled"
    else:
        run.status = "failed" if error else "completed"
        run.error = error.model_dump() if error else None
    run.finished_at = utcnow()


async def _first_item_error(session: AsyncSession, run_id: str) -> ErrorInfo:
    for _key, ok, result in await RunItemRepository(session).results(run_id):
        if not ok:
            error = result.get("error") if isinstance(result, dict) else None
            if isinstance(error, dict):
                return ErrorInfo.of(error)
    return ErrorInfo(code="internal", message="An item of the run failed")
