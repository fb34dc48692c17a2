"""Async engine construction for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from aiosqlite.context import contextmanager as aiosqlite_context
from sqlalchemy import event
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_RECYCLE_SECONDS = 1800
# Execution option of a connection whose transaction only reads (see store.session.reading).
READ_ONLY = "coldcraft_read_only"
_READ_VERBS = ("SELECT", "WITH", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    if url.startswith("sqlite"):
        return _create_sqlite_engine(url, echo=echo)
    # No pre-ping: with asyncpg it is three round trips (BEGIN; ;ROLLBACK) on every checkout,
    # more than the GET it guards. A connection found dead instead fails its request (503,
    # Retry-After) and SQLAlchemy then drops every connection older than the failure, so a
    # database restart costs each process the requests in flight at that moment; idle
    # connections are replaced before a server or a firewall would drop them.
    engine = create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=POOL_RECYCLE_SECONDS
    )
    event.listen(engine.sync_engine, "checkout", _refuse_a_connection_inside_a_transaction)
    return engine


def _refuse_a_connection_inside_a_transaction(
    dbapi_connection: Any, _record: Any, _proxy: Any
) -> None:
    """A pooled connection must be outside any transaction. One is not when a task was
    cancelled while asyncpg sent its BEGIN: SQLAlchemy's adapter never learnt of that
    transaction, so its rollback on return did nothing, and asyncpg would nest every later
    transaction of the connection in it as a savepoint: nothing it writes would ever commit,
    and its locks would be held for good. Such a connection is discarded (the server rolls
    it back) and the pool hands out another."""
    driver = dbapi_connection.driver_connection
    # `_top_xact` is asyncpg's own record of an open transaction block: set from the start
    # of a BEGIN, even one that never reached the server.
    if driver.is_in_transaction() or getattr(driver, "_top_xact", None) is not None:
        raise DisconnectionError("pooled connection was left inside a transaction")


def _create_sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    database = make_url(url).database
    # A `file:` URI (`...:///file:/path/db?mode=ro&uri=true`) names an existing database;
    # as a path it would create a directory called `file:` in the working directory.
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, echo=echo, async_creator=_sqlite_connector(url))
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
        # A read opens no transaction at all: each statement reads its own WAL snapshot
        # beside the writer (as PostgreSQL's autocommit reads do), takes no lock, and costs
        # no BEGIN, COMMIT or ROLLBACK trip to aiosqlite's thread (`_FewerTrips`). A
        # transaction that may write takes the write lock up front with IMMEDIATE: a
        # deferred one that later writes can fail with SQLITE_BUSY at once instead of
        # waiting for busy_timeout.
        if not conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _refuse_a_write_in_a_read(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # A write inside a read would run on its own in autocommit: committed at once,
        # never rolled back with the rest of the request, and racing the writer for the
        # lock. Fail loudly, every time, instead of corrupting now and then under load.
        reading = conn.get_execution_options().get(READ_ONLY)
        if reading and not statement.lstrip().upper().startswith(_READ_VERBS):
            raise ReadOnlyViolation(f"write in a read-only transaction: {statement[:80]}")

    return engine


class _OneTripCursor(aiosqlite.Cursor):
    """An aiosqlite cursor whose statement is ONE trip to the connection's thread: execute
    and, when it returns rows, fetch them all (as SQLAlchemy's adapter does right after
    anyway); the fetches are then served here, and closing needs no trip (the sqlite3
    cursor is closed in place: the connection is opened with check_same_thread=False and
    its single user awaits each call in turn). Four trips a SELECT became one.

    In place only when the thread is done with the cursor: a statement whose await was
    cancelled may still be running there, and closing under it would free what it reads;
    such a cursor is closed through the thread, after it (`_settled`)."""

    _rows: collections.deque[Any] | None = None
    _settled = True  # the thread has finished everything asked of this cursor

    async def execute(self, sql: str, parameters: Any = None) -> _OneTripCursor:
        cursor = self._cursor

        def run() -> list[Any] | None:
            cursor.execute(sql, [] if parameters is None else parameters)
            return cursor.fetchall() if cursor.description else None

        self._settled = False
        rows: list[Any] | None = await self._execute(run)  # type: ignore[no-untyped-call]
        self._settled = True
        self._rows = None if rows is None else collections.deque(rows)
        return self

    async def executemany(self, sql: str, parameters: Any) -> _OneTripCursor:
        self._rows = None  # no rows: fetches (none expected) go to the thread
        self._settled = False
        await super().executemany(sql, parameters)
        self._settled = True
        return self

    async def fetchone(self) -> Any:
        if self._rows is None:
            return await super().fetchone()
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if self._rows is None:
            return list(await super().fetchmany(size))
        count = min(self.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        if self._rows is None:
            return list(await super().fetchall())
        rows, self._rows = list(self._rows), collections.deque()
        return rows

    async def close(self) -> None:
        self._rows = None
        if self._settled:
            self._cursor.close()
        else:  # queued behind the statement still running in the thread
            await super().close()


class _FewerTrips(aiosqlite.Connection):
    """aiosqlite's connection with fewer trips to its thread (each hands the call over and
    wakes the event loop for the answer: most of a small request's CPU): a cursor is made
    in place and runs a statement in one trip (`_OneTripCursor`), and a COMMIT or ROLLBACK
    with no transaction open (a read; a pooled connection's reset after a commit) makes
    none. `in_transaction` is SQLite's own flag, read beside the calls this connection's
    single user awaits in turn. A polled GET: 9 trips before, 1 now."""

    @aiosqlite_context
    async def cursor(self) -> aiosqlite.Cursor:
        return _OneTripCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        if self.in_transaction:
            await super().commit()

    async def rollback(self) -> None:
        if self.in_transaction:
            await super().rollback()


def _sqlite_connector(url: str) -> Callable[[], Awaitable[aiosqlite.Connection]]:
    """What SQLAlchemy's aiosqlite dialect would open for `url` (its own connect arguments:
    a `file:` URI with its `mode=ro`, ...), as a `_FewerTrips`, with no driver-level
    transactions (`isolation_level=None`: the "begin" hook owns BEGIN)."""
    args, given = SQLiteDialect_aiosqlite().create_connect_args(make_url(url))
    kwargs: dict[str, Any] = {
        **given,
        "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
        "isolation_level": None,
        "check_same_thread": False,  # cursors are made and closed beside the thread
    }

    async def connect() -> aiosqlite.Connection:
        connection = _FewerTrips(partial(sqlite3.connect, *args, **kwargs), iter_chunk_size=64)
        connection._thread.daemon = True  # as SQLAlchemy does: never blocks interpreter exit
        return await connection

    return connect


class ReadOnlyViolation(RuntimeError):
    """A statement that writes ran in a transaction opened as a read."""


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
