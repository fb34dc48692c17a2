"""review: edits keep the machine-written original and are judged; review state per message;
a campaign review policy

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MESSAGES = "campaign_prospect_messages"


def upgrade() -> None:
    with op.batch_alter_table(MESSAGES) as batch:
        batch.add_column(
            sa.Column("flagged", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("original_subject", sa.Text(), nullable=True))
        batch.add_column(sa.Column("original_body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("original_verdict", JSON, nullable=True))
        batch.add_column(sa.Column("edited_by", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column(
                "review_state", sa.String(length=20), server_default="unreviewed", nullable=False
            )
        )
        batch.add_column(sa.Column("reviewed_by", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("review_note", sa.Text(), nullable=True))
        batch.create_index(
            "ix_campaign_prospect_messages_campaign_id_review_state",
            ["campaign_id", "review_state"],
            unique=False,
        )
    # Drafts written before this revision: flag what a person should look at (an error,
    # missing fields, or a failed verdict), as messages/review.py does from now on.
    op.execute(
        sa.text(
            f"UPDATE {MESSAGES} SET flagged = TRUE"
            " WHERE (error IS NOT NULL AND CAST(error AS TEXT) <> 'null')"
            " OR CAST(missing_fields AS TEXT) <> '[]'"
            " OR CAST(quality AS TEXT) LIKE '%\"passed\": false%'"
        )
    )
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column(
                "review_policy", sa.String(length=20), server_default="flagged", nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("review_policy")
    with op.batch_alter_table(MESSAGES) as batch:
        batch.drop_index("ix_campaign_prospect_messages_campaign_id_review_state")
        for column in (
            "review_note",
            "reviewed_at",
            "reviewed_by",
            "review_state",
            "edited_at",
            "edited_by",
            "original_verdict",
            "original_body",
            "original_subject",
            "flagged",
        ):
            batch.drop_column(column)
