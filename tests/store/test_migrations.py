"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.engine import make_url

from coldcraft.store.base import Base
from coldcraft.store.migrate import alembic_config, upgrade
from tests.conftest import (
    BACKENDS,
    POSTGRES_URL,
    _create_postgres_database,
    _drop_postgres_database,
)


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


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend, for migrating up and down."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("COLDCRAFT_TEST_POSTGRES_URL is not set")
    url = _create_postgres_database(POSTGRES_URL)
    try:
        yield url
    finally:
        _drop_postgres_database(url)


def test_0007_adds_research_and_sources_with_defaults(fresh_url: str) -> None:
    """Existing campaigns do not research; existing drafts have no sources; both go with a
    downgrade to 0006."""
    upgrade(fresh_url, "0006")
    engine = create_engine(_sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, email, created_at, updated_at) VALUES "
                    "('00000000000000000000000000000001', 'a@example.com', "
                    "'2026-12-04 22:00:00', '2026-12-04 22:00:00')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO campaigns (id, user_id, type, name, status, "
                    "sender_account_ids, created_at, updated_at) VALUES "
                    "('00000000000000000000000000000002', '00000000000000000000000000000001', "
                    "'email', 'Old', 'draft', '[]', '2026-12-04 22:00:00', "
                    "'2026-12-04 22:00:00')"
                )
            )
        upgrade(fresh_url, "0007")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT research FROM campaigns")).scalars().all() in (
                [False],
                [0],
            )
            columns = {c["name"] for c in inspect(conn).get_columns("campaign_prospect_messages")}
            assert "sources" in columns
        command.downgrade(alembic_config(fresh_url), "0006")
        with engine.connect() as conn:
            assert "research" not in {c["name"] for c in inspect(conn).get_columns("campaigns")}
    finally:
        engine.dispose()


def test_0008_company_research_upgrades_and_downgrades(fresh_url: str) -> None:
    """The table comes with 0008, keeps a row, and goes with a downgrade to 0007 (and comes
    back)."""
    upgrade(fresh_url, "0008")
    engine = create_engine(_sync_url(fresh_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO company_research (domain, result, researched_at, expires_at,"
                    " extraction, usage) VALUES ('acme.com', :result, '2026-12-04 22:00:00+00',"
                    " '2026-12-11 22:00:00+00', 'offline', :usage)"
                ),
                {"result": json.dumps({"domain": "acme.com", "facts": []}), "usage": "{}"},
            )
        with engine.connect() as conn:
            assert conn.execute(text("SELECT domain FROM company_research")).scalars().all() == [
                "acme.com"
            ]
        command.downgrade(alembic_config(fresh_url), "0007")
        with engine.connect() as conn:
            assert "company_research" not in inspect(conn).get_table_names()
        upgrade(fresh_url)
        with engine.connect() as conn:
            assert "company_research" in inspect(conn).get_table_names()
            assert _differences(conn) == []
    finally:
        engine.dispose()
