from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base


class CompanyResearch(Base):
    """A company's research, per domain, shared by every worker until `expires_at`: the
    `CompanyFacts` (facts with their source URL, quote and fetch time; URLs fetched and
    refused), which extractor made them (`offline` or the model's name) and what the model
    extraction cost (for the record: a cache hit spends nothing)."""

    __tablename__ = "company_research"
    __table_args__ = (Index("ix_company_research_expires_at", "expires_at"),)  # the purge

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    result: Mapped[dict[str, Any]]
    researched_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    extraction: Mapped[str] = mapped_column(String(500))
    usage: Mapped[dict[str, Any]]
