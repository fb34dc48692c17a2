from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, IdMixin, TimestampMixin

REPLAY_WINDOW = timedelta(hours=24)  # a key replays its first response this long


class IdempotencyKey(IdMixin, TimestampMixin, Base):
    """The first response to a work-starting POST, replayed for 24 h for the same key."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key", "path"),
        Index("ix_idempotency_keys_created_at", "created_at"),  # the sweep's purge
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)  # null while the first is running
    response: Mapped[dict[str, Any] | None]
