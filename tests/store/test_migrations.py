"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from coldcraft.store.base import Base
from coldcraft.store.migrate import upgrade


def _sync_url(async_url: str) -> str:
    url = make_url(async_url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}
    return url.set(drivername=driver[url.drivername]).render_as_string(hide_password=False)


def _differences(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    """`db_url` is upgraded to head by the session fixture; autogenerate must find nothing
    to add: a model change without its migration fails here."""
    engine = create_engine(_sync_url(db_url))
    try:
        with engine.connect() as conn:
            assert _differences(conn) == []
    finally:
        engine.dispose()


def test_0004_fills_issue_rules_from_the_stored_verdicts(tmp_path: Path) -> None:
    """Drafts written before the column existed count in the summary's rules at once."""
    path = tmp_path / "old.db"
    upgrade(f"sqlite+aiosqlite:///{path}", "0003")
    engine = create_engine(f"sqlite:///{path}")
    quality = {"passed": False, "issues": [{"rule": "subject_length"}, {"rule": "cta"}]}
    rows = [(uuid.uuid4(), json.dumps(quality)), (uuid.uuid4(), None)]
    try:
        with engine.begin() as conn:
            for message_id, verdict in rows:  # foreign keys are off on a plain connection
                conn.execute(
                    text(
                        "INSERT INTO campaign_prospect_messages (id, campaign_id, prospect_id,"
                        " node_id, body_text, status, manually_edited, missing_fields, source,"
                        " quality, created_at, updated_at) VALUES (:id, :c, :p, :n, 'x', 'draft',"
                        " 0, '[]', 'template', :q, '2026-01-01', '2026-01-01')"
                    ),
                    {
                        "id": message_id.hex,
                        "c": uuid.uuid4().hex,
                        "p": uuid.uuid4().hex,
                        "n": uuid.uuid4().hex,
                        "q": verdict,
                    },
                )
        upgrade(f"sqlite+aiosqlite:///{path}", "0004")
        with engine.connect() as conn:
            found = dict(
                conn.execute(text("SELECT id, issue_rules FROM campaign_prospect_messages")).all()
            )
        assert found == {rows[0][0].hex: ",cta,subject_length,", rows[1][0].hex: ""}
    finally:
        engine.dispose()
