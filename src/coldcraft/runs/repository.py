"""Queries for runs and their items (the chat claim's statements are in claims.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.store.base import utcnow
from coldcraft.store.models import Run, RunItem
from coldcraft.store.repository import Repository

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
ACTIVE_STATUSES = ("queued", "running")


@dataclass(frozen=True)
class RunProgressState:
    status: str
    cancel_requested: bool
    usage: dict[str, Any]


class RunRepository(Repository[Run]):
    model = Run

    async def get_fresh(self, run_id: str, *, lock: bool = False) -> Run | None:
        """The row as committed now (not the identity map's copy); `lock` = FOR UPDATE on PG."""
        stmt = select(Run).where(Run.id == run_id).execution_options(populate_existing=True)
        if lock:
            stmt = stmt.with_for_update()
        return await self.one_or_none(stmt)

    async def get_owned(self, user_id: uuid.UUID, run_id: str) -> Run | None:
        stmt = select(Run).where(Run.id == run_id, Run.user_id == user_id)
        return await self.one_or_none(stmt.execution_options(populate_existing=True))

    async def list_active(
        self, *, chat_id: uuid.UUID | None = None, campaign_id: uuid.UUID | None = None
    ) -> Sequence[Run]:
        stmt = select(Run).where(Run.status.in_(ACTIVE_STATUSES))
        if chat_id is not None:
            stmt = stmt.where(Run.session_id == chat_id)
        if campaign_id is not None:
            stmt = stmt.where(Run.campaign_id == campaign_id)
        return await self.all(stmt.with_for_update())

    async def page_for_user(
        self,
        user_id: uuid.UUID,
        *,
        status: str | None,
        campaign_id: uuid.UUID | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[Run], int]:
        """The user's runs, newest first, and how many match in all."""
        where = [Run.user_id == user_id]
        if status is not None:
            where.append(Run.status == status)
        if campaign_id is not None:
            where.append(Run.campaign_id == campaign_id)
        total = await self.session.scalar(select(func.count()).select_from(Run).where(*where))
        stmt = select(Run).where(*where).order_by(Run.created_at.desc(), Run.id.desc())
        return await self.all(stmt.offset(offset).limit(limit)), int(total or 0)

    async def list_active_before(self, cutoff: datetime, *, limit: int = 500) -> Sequence[Run]:
        """Queued/running runs created before `cutoff`, oldest first (the sweep's work list)."""
        stmt = (
            select(Run)
            .where(Run.status.in_(ACTIVE_STATUSES), Run.created_at < cutoff)
            .order_by(Run.created_at)
            .limit(limit)
        )
        return await self.all(stmt)

    async def get_many(self, run_ids: Sequence[str]) -> dict[str, Run]:
        if not run_ids:
            return {}
        rows = await self.all(select(Run).where(Run.id.in_(run_ids)))
        return {run.id: run for run in rows}

    async def lock_progress(self, run_id: str) -> RunProgressState | None:
        """Status, cancel flag and usage, locked FOR UPDATE on PostgreSQL (the per-item write)."""
        cols = (Run.status, Run.cancel_requested, Run.usage)
        stmt = select(*cols).where(Run.id == run_id).with_for_update()
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else RunProgressState(row[0], bool(row[1]), row[2] or {})

    async def count_items(
        self, run_id: str, *, done: int, failed: int, usage: dict[str, Any]
    ) -> bool:
        """Add finished items to the counters; True when every planned item is finished."""
        stmt = (
            update(Run)
            .where(Run.id == run_id)
            .values(
                progress_done=Run.progress_done + done,
                progress_failed=Run.progress_failed + failed,
                usage=usage,
                updated_at=utcnow(),
            )
            .returning(Run.progress_done, Run.progress_failed, Run.progress_total)
            .execution_options(synchronize_session=False)
        )
        row = (await self.session.execute(stmt)).one()
        return bool(row[0] + row[1] >= row[2])

    async def cancel_flag(self, run_id: str) -> tuple[str, bool] | None:
        """(status, cancel_requested), read without loading the row: the per-item check."""
        stmt = select(Run.status, Run.cancel_requested).where(Run.id == run_id)
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], bool(row[1]))


class RunItemRepository(Repository[RunItem]):
    model = RunItem

    async def insert_new(
        self, run_id: str, rows: Sequence[tuple[str, bool, dict[str, Any]]]
    ) -> set[str]:
        """Insert the results whose key is not stored yet; returns the keys this call wrote."""
        if not rows:
            return set()
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        now = utcnow()
        values = [
            {"run_id": run_id, "item_key": key, "ok": ok, "result": result}
            | {"created_at": now, "updated_at": now}
            for key, ok, result in rows
        ]
        stmt = (
            insert(RunItem)
            .values(values)
            .on_conflict_do_nothing(index_elements=["run_id", "item_key"])
            .returning(RunItem.item_key)
        )
        return set((await self.session.execute(stmt)).scalars().all())

    async def done_keys(self, run_id: str, keys: Sequence[str] | None = None) -> set[str]:
        stmt = select(RunItem.item_key).where(RunItem.run_id == run_id)
        if keys is not None:
            stmt = stmt.where(RunItem.item_key.in_(keys))
        return set((await self.session.execute(stmt)).scalars().all())

    async def results(self, run_id: str) -> list[tuple[str, bool, dict[str, Any]]]:
        stmt = (
            select(RunItem.item_key, RunItem.ok, RunItem.result)
            .where(RunItem.run_id == run_id)
            .order_by(RunItem.id)
        )
        rows = (await self.session.execute(stmt)).all()
        return [(row[0], bool(row[1]), row[2]) for row in rows]


class SpendRepository:
    """Read-only sums over an account's runs, for the spend cap (messages/spend.py)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cost_since(self, user_id: uuid.UUID, since: datetime) -> float:
        cost = func.coalesce(func.sum(Run.usage["cost_usd"].as_float()), 0.0)
        stmt = select(cost).where(Run.user_id == user_id, Run.created_at >= since)
        return float((await self.session.execute(stmt)).scalar_one() or 0.0)

    async def recent_cost_per_item(
        self, user_id: uuid.UUID, kinds: Sequence[str], *, runs: int
    ) -> float | None:
        """Average cost per finished item over the user's last `runs` runs of `kinds` that
        did any work; None without such history."""
        items = Run.progress_done + Run.progress_failed
        recent = (
            select(Run.usage["cost_usd"].as_float().label("cost"), items.label("items"))
            .where(Run.user_id == user_id, Run.kind.in_(kinds), items > 0)
            .order_by(Run.created_at.desc())
            .limit(runs)
            .subquery()
        )
        stmt = select(func.sum(recent.c.cost), func.sum(recent.c["items"]))
        cost, count = (await self.session.execute(stmt)).one()
        if not count or not cost:
            return None
        return float(cost) / int(count)

    async def items_in_flight(self, user_id: uuid.UUID, kinds: Sequence[str]) -> int:
        """Items that queued/running runs of `kinds` have still to do (a queued run counts
        once it is planned: its total is unknown before)."""
        left = Run.progress_total - Run.progress_done - Run.progress_failed
        stmt = select(func.coalesce(func.sum(left), 0)).where(
            Run.user_id == user_id, Run.kind.in_(kinds), Run.status.in_(("queued", "running"))
        )
        return int((await self.session.execute(stmt)).scalar_one() or 0)

    async def active_run(self, kind: str, campaign_id: uuid.UUID, node_id: uuid.UUID) -> str | None:
        stmt = select(Run.id).where(
            Run.kind == kind,
            Run.campaign_id == campaign_id,
            Run.node_id == node_id,
            Run.status.in_(("queued", "running")),
        )
        return (await self.session.execute(stmt.limit(1))).scalars().first()
