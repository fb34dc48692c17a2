"""Riding out a database outage in background work (the run engine).

The API answers 503 while the database is unreachable (api/errors.py) and its client
retries. Run code has nobody to retry for it: a result write that failed on a restart of
PostgreSQL used to fail the chunk workflow and so the whole run. So the worker's
transactions are run again, with backoff, while the database is unreachable: like DBOS's
own system-database calls, a worker pauses through an outage instead of failing runs.
Only connection-class errors are retried; anything else propagates at once. What is
retried must be a whole transaction that is safe to run again (ours are idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import psycopg
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("coldcraft.store")

T = TypeVar("T")

FIRST_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 2.0
# SQLSTATE prefixes of a database that is unreachable rather than refusing the statement:
# 08 connection exception, 57P0x shutting down / starting up (not 57014, a cancelled
# statement), 53 insufficient resources (too many connections).
UNAVAILABLE_SQLSTATES = ("08", "57P", "53")


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database cannot be reached (the statement may succeed later)."""
    if isinstance(exc, OSError):  # refused, reset, connect timeout: before SQLAlchemy wraps
        return True
    error: BaseException | None = exc
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        error = exc.orig
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate.startswith(UNAVAILABLE_SQLSTATES)
    return isinstance(error, psycopg.OperationalError)  # a failed connect has no SQLSTATE


async def retry_while_unavailable(operation: Callable[[], Awaitable[T]], *, what: str) -> T:
    """`await operation()`, run again (exponential backoff with jitter, no deadline) for as
    long as it fails because the database is unreachable."""
    delay = FIRST_DELAY_SECONDS
    attempt = 0
    while True:
        try:
            return await operation()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            attempt += 1
            pause = delay * (0.5 + random.random())
            log.warning(
                "database unavailable (%s) during %s; retry %d in %.2f s",
                type(exc).__name__,
                what,
                attempt,
                pause,
            )
            await asyncio.sleep(pause)
            delay = min(delay * 2, MAX_DELAY_SECONDS)
