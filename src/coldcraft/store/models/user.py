from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, IdMixin, TimestampMixin


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))


class ApiKey(IdMixin, TimestampMixin, Base):
    """Keys are stored as a SHA-256 digest; the clear key is shown once."""

    __tablename__ = "api_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Comma-separated, a subset of read,write,launch (accounts/scopes.py).
    scopes: Mapped[str] = mapped_column(String(50), server_default="read,write,launch")
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
