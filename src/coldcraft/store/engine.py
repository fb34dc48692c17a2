"""Async engine construction for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_RECYCLE_SECONDS = 1800


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        return _create_sqlite_engine(url, echo=echo)
    # No pre-ping: with asyncpg it is three round trips (BEGIN; ;ROLLBACK) on every checkout,
    # more than the GET it guards. A connection found dead instead fails its request (503,
    # Retry-After) and SQLAlchemy then drops every connection older than the failure, so a
    # database restart costs each process the requests in flight at that moment; idle
    # connections are replaced before a server or a firewall would drop them.
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=POOL_RECYCLE_SECONDS
    )


def _create_sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    database = make_url(url).database
    # A `file:` URI (`...:///file:/path/db?mode=ro&uri=true`) names an existing database;
    # as a path it would create a directory called `file:` in the working directory.
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Driver autocommit off so our "begin" hook owns BEGIN; WAL lets readers run
        # beside the writer; foreign keys make ON DELETE CASCADE work.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: a deferred transaction that later
        # writes can fail with SQLITE_BUSY without waiting for busy_timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
