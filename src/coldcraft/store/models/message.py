from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from coldcraft.store.base import Base, IdMixin, TimestampMixin


class CampaignProspectMessage(IdMixin, TimestampMixin, Base):
    """The outbox: one draft per (campaign, prospect, node)."""

    __tablename__ = "campaign_prospect_messages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "prospect_id", "node_id"),
        Index("ix_campaign_prospect_messages_campaign_id_status", "campaign_id", "status"),
        Index(
            "ix_campaign_prospect_messages_campaign_id_review_state", "campaign_id", "review_state"
        ),
        # Covers the review summary's one grouped scan, in its GROUP BY order: the summary
        # reads this index alone (no message bodies), already sorted.
        Index(
            "ix_campaign_prospect_messages_review_breakdown",
            "campaign_id",
            "status",
            "review_state",
            "source",
            "flagged",
            "manually_edited",
            "issue_rules",
            "missing_fields",
        ),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    prospect_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    node_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("sequence_nodes.id", ondelete="CASCADE"), index=True
    )
    subject: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    manually_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    missing_fields: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(20), default="template")  # template|example|ai
    model: Mapped[str | None] = mapped_column(String(200))
    quality: Mapped[dict[str, Any] | None]
    usage: Mapped[dict[str, Any] | None]
    error: Mapped[dict[str, Any] | None]
    # What each AI block of the machine-written text was based on (lead fields, company
    # facts with their source URL and passage): `llm.sources.BlockSources`, as JSON.
    sources: Mapped[list[Any] | None]
    # Flagged for a person: failed the judge, missing fields, an error, or an unresolved
    # token. Kept on every write (messages/review.py) so review filters are one index scan.
    flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The rule ids the verdict names, sorted, as ",rule_a,rule_b," ("" for none): the review
    # summary counts rules by grouping on it (the combinations are few) instead of expanding
    # every verdict's JSON, and the `rule` filter is one LIKE.
    issue_rules: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # A hand edit keeps the machine-written text (restorable) and says who and when.
    original_subject: Mapped[str | None] = mapped_column(Text)
    original_body: Mapped[str | None] = mapped_column(Text)
    original_verdict: Mapped[dict[str, Any] | None]  # its quality, missing_fields, error
    edited_by: Mapped[str | None] = mapped_column(String(320))
    edited_at: Mapped[datetime | None]
    # The review, separate from the send status: unreviewed | approved | rejected.
    review_state: Mapped[str] = mapped_column(
        String(20), default="unreviewed", server_default="unreviewed"
    )
    reviewed_by: Mapped[str | None] = mapped_column(String(320))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)
