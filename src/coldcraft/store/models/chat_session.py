from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, IdMixin, TimestampMixin


class AIChatSession(IdMixin, TimestampMixin, Base):
    """One framework chat per (user, campaign, AI node); `task_status` is the single writer."""

    __tablename__ = "ai_chat_sessions"
    __table_args__ = (UniqueConstraint("user_id", "campaign_id", "node_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("sequence_nodes.id", ondelete="CASCADE")
    )
    title: Mapped[str | None] = mapped_column(String(200))
    messages: Mapped[list[Any] | None]
    agent_history: Mapped[str | None] = mapped_column(Text)  # pydantic-ai messages JSON
    skeleton: Mapped[dict[str, Any] | None]
    skeleton_history: Mapped[list[Any] | None]
    framework_version: Mapped[int | None] = mapped_column(Integer)
    draft_subject: Mapped[str | None] = mapped_column(Text)
    draft_body: Mapped[str | None] = mapped_column(Text)
    generated_examples: Mapped[list[Any] | None]
    task_status: Mapped[str | None] = mapped_column(String(30))
    task_claimed_at: Mapped[datetime | None]
    task_run_id: Mapped[str | None] = mapped_column(String(64))  # run holding the claim
    last_run_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[dict[str, Any] | None]
