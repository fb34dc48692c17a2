"""company research: a cache of each company domain's research (facts with their sources),
shared by workers and kept across restarts until it expires

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "company_research",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("result", JSON, nullable=False),
        sa.Column("researched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extraction", sa.String(length=500), nullable=False),
        sa.Column("usage", JSON, nullable=False),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_company_research")),
    )
    op.create_index(
        "ix_company_research_expires_at", "company_research", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_company_research_expires_at", table_name="company_research")
    op.drop_table("company_research")
