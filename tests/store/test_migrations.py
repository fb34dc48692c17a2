"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine
from sqlalchemy.engine import make_url

from coldcraft.store.base import Base


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
