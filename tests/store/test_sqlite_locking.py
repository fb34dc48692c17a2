"""On the embedded SQLite database a read never waits for, nor takes, the write lock."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from coldcraft.store.engine import ReadOnlyViolation
from coldcraft.store.session import SessionMaker, reading, unit_of_work


@pytest.fixture
def sqlite_path(db_url: str) -> Path:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    return Path(db_url.split("///", 1)[1])


@pytest.fixture
def write_lock_held(sqlite_path: Path) -> Iterator[sqlite3.Connection]:
    """Another process's long write (a 10,000-prospect resolve, say): the lock is taken and
    kept until the test ends."""
    conn = sqlite3.connect(sqlite_path, isolation_level=None, timeout=0.1)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


async def test_a_get_is_answered_while_another_writer_holds_the_lock(
    api: httpx.AsyncClient, write_lock_held: sqlite3.Connection
) -> None:
    # Before, every transaction began IMMEDIATE: this GET waited for the writer (30 s
    # busy timeout) and then failed with "database is locked".
    response = await asyncio.wait_for(api.get("/api/campaigns"), timeout=5)
    assert response.status_code == 200, response.text


async def test_a_read_unit_takes_no_lock(
    sessionmaker: SessionMaker, write_lock_held: sqlite3.Connection
) -> None:
    async with reading(sessionmaker) as session:
        assert await asyncio.wait_for(session.scalar(text("SELECT 1")), timeout=5) == 1


async def test_a_write_still_waits_for_the_lock(
    sessionmaker: SessionMaker, sqlite_path: Path
) -> None:
    """A unit of work that may write takes the lock up front (BEGIN IMMEDIATE)."""
    async with unit_of_work(sessionmaker) as session:
        await session.execute(text("SELECT 1"))
        other = sqlite3.connect(sqlite_path, isolation_level=None, timeout=0.05)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


async def test_a_write_in_a_read_is_refused(sessionmaker: SessionMaker, sqlite_path: Path) -> None:
    with pytest.raises(ReadOnlyViolation, match="read-only"):
        async with reading(sessionmaker) as session:
            await session.execute(text("DELETE FROM users WHERE email = 'nobody'"))


async def test_a_read_opens_no_transaction_and_makes_no_end_trip(
    sessionmaker: SessionMaker, sqlite_path: Path
) -> None:
    """A read is statements in autocommit (each its own WAL snapshot, as on PostgreSQL): no
    BEGIN, and its COMMIT and the pool's ROLLBACK never reach aiosqlite's thread (a third of
    a polled GET's CPU went to those trips)."""
    async with reading(sessionmaker) as session:
        await session.scalar(text("SELECT 1"))
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        assert not driver.in_transaction
        queue = driver._tx  # every call handed to the connection's thread goes in here
        counted = _Counted(queue)
        driver._tx = counted
        rows = await session.execute(text("SELECT 1 UNION ALL SELECT 2"))
        assert rows.scalars().all() == [1, 2]
        assert counted.trips == 1  # the statement: execute and fetch in one trip
        await session.commit()  # as a GET's request session does
    assert counted.trips == 1  # the session's commit and the connection's return: no trip
    driver._tx = queue


async def test_streamed_and_returning_statements_read_every_row(
    sessionmaker: SessionMaker, sqlite_path: Path
) -> None:
    """Rows fetched in the statement's trip are handed out by fetchmany (a streamed
    result) and to INSERT ... RETURNING alike."""
    async with unit_of_work(sessionmaker) as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS probe2 (x INTEGER)"))
        inserted = await session.execute(
            text("INSERT INTO probe2 VALUES (1), (2), (3) RETURNING x")
        )
        assert sorted(inserted.scalars().all()) == [1, 2, 3]
    async with reading(sessionmaker) as session:
        streamed = await session.stream(text("SELECT x FROM probe2 ORDER BY x"))
        chunks = [list(chunk) async for chunk in streamed.partitions(2)]
        assert [[row[0] for row in chunk] for chunk in chunks] == [[1, 2], [3]]


class _Counted:
    def __init__(self, queue: Any) -> None:
        self.queue = queue
        self.trips = 0

    def put_nowait(self, item: object) -> None:
        self.trips += 1
        self.queue.put_nowait(item)


async def test_a_write_unit_still_commits(sessionmaker: SessionMaker, sqlite_path: Path) -> None:
    async with unit_of_work(sessionmaker) as session:
        await session.execute(text("CREATE TABLE IF NOT EXISTS probe (x INTEGER)"))
        await session.execute(text("INSERT INTO probe VALUES (7)"))
    other = sqlite3.connect(sqlite_path)
    try:
        assert other.execute("SELECT x FROM probe").fetchall() == [(7,)]
    finally:
        other.close()


async def test_a_cancelled_statement_is_closed_after_it_not_under_it(
    sessionmaker: SessionMaker, sqlite_path: Path
) -> None:
    """A statement whose await is cancelled still runs in aiosqlite's thread: its cursor is
    then closed through the thread, after it (closing in place would free what it reads),
    and the connection goes on working."""
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000)"
        " SELECT count(*) FROM n"
    )
    async with reading(sessionmaker) as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        cursor = await driver.cursor()
        running = asyncio.ensure_future(cursor.execute(slow))
        await asyncio.sleep(0.05)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        assert cursor._settled is False  # type: ignore[attr-defined]
        await cursor.close()  # queued behind the statement: no crash, no error
        again = await driver.cursor()
        await again.execute("SELECT 41 + 1")
        assert await again.fetchall() == [(42,)]
        await again.close()
