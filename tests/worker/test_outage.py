"""Riding out a database outage: which errors mean "unreachable", and the retry around them;
liveness: a free lock is only death after a grace period (a restart frees every lock)."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from coldcraft.store.outage import is_unavailable, retry_while_unavailable
from coldcraft.worker.liveness import ExecutorLock
from tests.conftest import POSTGRES_URL


class Coded(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def wrapped(orig: BaseException, *, invalidated: bool = False) -> DBAPIError:
    return DBAPIError("SELECT 1", None, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(), True),
        (wrapped(Coded("08006")), True),  # connection failure
        (wrapped(Coded("57P01")), True),  # admin shutdown
        (wrapped(Coded("53300")), True),  # too many connections
        (wrapped(Exception("gone"), invalidated=True), True),
        (wrapped(psycopg.OperationalError("connection refused")), True),
        (wrapped(Coded("57014")), False),  # a cancelled statement, not an outage
        (IntegrityError("INSERT", None, Coded("23505")), False),
        (ValueError("bad"), False),
    ],
)
def test_only_connection_class_errors_are_an_outage(
    error: BaseException, unavailable: bool
) -> None:
    assert is_unavailable(error) is unavailable


async def test_an_outage_is_retried_until_the_operation_succeeds() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionResetError("server restarting")
        return "stored"

    assert await retry_while_unavailable(flaky, what="a test write") == "stored"
    assert calls == 2


async def test_other_errors_propagate_at_once() -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise IntegrityError("INSERT", None, Coded("23505"))

    with pytest.raises(IntegrityError):
        await retry_while_unavailable(broken, what="a test write")
    assert calls == 1


@pytest.mark.postgres
def test_a_free_lock_is_death_only_after_the_grace_period() -> None:
    if not POSTGRES_URL:
        pytest.skip("COLDCRAFT_TEST_POSTGRES_URL is not set")
    url = POSTGRES_URL.replace("+asyncpg", "")  # the engine passes DBOS's libpq URL
    alive, gone = f"alive-{uuid.uuid4().hex[:8]}", f"gone-{uuid.uuid4().hex[:8]}"
    holder, probe = ExecutorLock(url, alive), ExecutorLock(url, "probe")
    assert holder.acquire()
    try:
        assert probe.confirm_dead([alive, gone], grace=60) == []  # first sighting: not yet
        assert probe.confirm_dead([alive, gone], grace=0) == [gone]
        holder.release()  # the holder's lock is free from now on (as after a restart)...
        assert probe.confirm_dead([alive], grace=60) == []  # ...but only just
    finally:
        holder.release()
