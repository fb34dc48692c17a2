from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, TimestampMixin


class StudioLink(TimestampMixin, Base):
    """A one-time sign-in link for the studio: its token's SHA-256, whose it is, until when,
    and when it was used (a link works once, in any worker process)."""

    __tablename__ = "studio_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
