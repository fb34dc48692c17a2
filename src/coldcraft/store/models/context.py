from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, TimestampMixin


class WorkspaceContext(TimestampMixin, Base):
    """Free-form company/product/ICP/tone context, one per account."""

    __tablename__ = "workspace_contexts"

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    context: Mapped[dict[str, Any]]
