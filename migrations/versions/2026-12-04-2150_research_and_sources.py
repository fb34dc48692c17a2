"""research and sources: a campaign may research its prospects' companies; a draft keeps
what each AI block was based on

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(
            sa.Column("research", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("campaign_prospect_messages") as batch:
        batch.add_column(
            sa.Column(
                "sources",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("campaign_prospect_messages") as batch:
        batch.drop_column("sources")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("research")
