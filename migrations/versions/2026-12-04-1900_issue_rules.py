"""issue_rules: the rule ids a message's verdict names, kept on every write, and an index
covering the review summary's one grouped scan

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 19:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGES = "campaign_prospect_messages"
BATCH = 1000


def _rule_key(quality: Any) -> str:
    # As messages/review.py's rule_key at the time of writing (a migration never imports
    # the application: it must keep meaning what it meant).
    if isinstance(quality, str):
        quality = json.loads(quality)
    issues = (quality or {}).get("issues") or []
    rules = sorted({str(issue.get("rule")) for issue in issues})
    return f",{','.join(rules)}," if rules else ""


def upgrade() -> None:
    with op.batch_alter_table(MESSAGES) as batch:
        batch.add_column(
            sa.Column("issue_rules", sa.String(length=500), server_default="", nullable=False)
        )
        batch.create_index(
            "ix_campaign_prospect_messages_review_breakdown",
            [
                "campaign_id",
                "status",
                "review_state",
                "source",
                "flagged",
                "manually_edited",
                "issue_rules",
                "missing_fields",
            ],
            unique=False,
        )
    bind = op.get_bind()
    table = sa.table(
        MESSAGES,
        sa.column("id", sa.Uuid()),
        sa.column("quality", sa.JSON()),
        sa.column("issue_rules", sa.String()),
    )
    after = None
    while True:
        stmt = sa.select(table.c.id, table.c.quality).where(table.c.quality.is_not(None))
        if after is not None:
            stmt = stmt.where(table.c.id > after)
        rows = bind.execute(stmt.order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            break
        updates = [{"key": row[0], "rules": _rule_key(row[1])} for row in rows]
        changed = [u for u in updates if u["rules"]]
        if changed:
            bind.execute(
                table.update()
                .where(table.c.id == sa.bindparam("key"))
                .values(issue_rules=sa.bindparam("rules")),
                changed,
            )
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table(MESSAGES) as batch:
        batch.drop_index("ix_campaign_prospect_messages_review_breakdown")
        batch.drop_column("issue_rules")
