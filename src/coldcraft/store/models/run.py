from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, TimestampMixin


class Run(TimestampMixin, Base):
    """An asynchronous task. Our row is the source of truth; the engine only executes."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_status", "status"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    session_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), index=True)
    node_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_failed: Mapped[int] = mapped_column(Integer, default=0)
    usage: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[dict[str, Any] | None]
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class RunItem(TimestampMixin, Base):
    """One unit of a run's work (a lead, a prospect), written once when it completes."""

    __tablename__ = "run_items"
    __table_args__ = (UniqueConstraint("run_id", "item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(64), ForeignKey("runs.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(600))
    ok: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict[str, Any]]
