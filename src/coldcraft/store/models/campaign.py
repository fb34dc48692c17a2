from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, IdMixin, TimestampMixin


class Campaign(IdMixin, TimestampMixin, Base):
    __tablename__ = "campaigns"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    signature: Mapped[str | None] = mapped_column(Text)
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    sender_account_ids: Mapped[list[Any]] = mapped_column(default=list)
    # Which drafts a person must act on before launch: none | flagged | all.
    review_policy: Mapped[str] = mapped_column(
        String(20), default="flagged", server_default="flagged"
    )
    # Research each prospect's company site before writing its AI drafts (docs/research.md).
    research: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SequenceNode(IdMixin, TimestampMixin, Base):
    __tablename__ = "sequence_nodes"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    delay_days: Mapped[int] = mapped_column(Integer, default=0)
    delay_hours: Mapped[int] = mapped_column(Integer, default=0)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)
    ai_node: Mapped[dict[str, Any] | None]
