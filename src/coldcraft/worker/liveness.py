"""Which executors are alive: a PostgreSQL session advisory lock per executor id.

Every executor on PostgreSQL holds `pg_advisory_lock(key(executor_id))` on a dedicated
connection for its whole life. The server drops the lock the moment that connection
closes, which `kill -9`, a crash or a lost machine all do (a lost machine once TCP
keepalive notices). So an executor id that owns PENDING workflows but whose lock can be
taken is gone: the sweep recovers its workflows (the same as `coldcraft worker --recover`).
A restart of PostgreSQL drops every lock too, so each executor checks its lock every second
and takes it again (`ensure`), and the sweep only recovers an executor whose lock stayed
free through probes spanning a grace period (`confirm_dead`).
Two processes cannot run with the same executor id: the second one cannot take the lock.
SQLite (embedded, one process) needs none of this: a restart recovers its own workflows.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time

import psycopg

log = logging.getLogger("coldcraft.worker")


def lock_key(executor_id: str) -> int:
    digest = hashlib.sha256(f"coldcraft-executor:{executor_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class ExecutorLock:
    """Holds this process's liveness lock; `probe` tells whether another executor is alive."""

    def __init__(self, url: str, executor_id: str) -> None:
        self.url = _libpq(url)
        self.executor_id = executor_id
        self._conn: psycopg.Connection | None = None
        self._free_since: dict[str, float] = {}  # executor id -> first probe that found it free
        self._mutex = threading.Lock()  # ensure (the keeper's thread) vs release (stop)
        self._released = False

    def acquire(self) -> bool:
        conn = psycopg.connect(self.url, autocommit=True, application_name="coldcraft-executor")
        row = conn.execute(
            "SELECT pg_try_advisory_lock(%s)", (lock_key(self.executor_id),)
        ).fetchone()
        if not (row and row[0]):
            conn.close()
            return False
        self._conn = conn
        return True

    def held(self) -> bool:
        """Whether the lock connection is still up (a server restart drops it)."""
        if self._conn is None or self._conn.closed:
            return False
        try:
            self._conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def ensure(self) -> None:
        """Take the lock again if its connection was lost (called every second)."""
        with self._mutex:
            if self._released or self.held():
                return
            self._close()
            if not self.acquire():
                log.error("executor id %s is held by another process", self.executor_id)

    def release(self) -> None:
        """Give the lock up for good (the executor stops); waits for an `ensure` under way."""
        with self._mutex:
            self._released = True
            self._close()

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                pass
            self._conn = None

    def confirm_dead(self, executor_ids: list[str], *, grace: float) -> list[str]:
        """The executors among these whose lock every probe found free for `grace` seconds.

        One free lock is no proof of death: a database restart frees every executor's lock
        until that executor takes it again (`ensure`, every second). An executor found
        holding its lock starts over.
        """
        free = set(self.probe_dead(executor_ids))
        now = time.monotonic()
        self._free_since = {e: self._free_since.get(e, now) for e in free}
        return sorted(e for e, since in self._free_since.items() if now - since >= grace)

    def probe_dead(self, executor_ids: list[str]) -> list[str]:
        """The executor ids among these whose lock nobody holds (their process is gone)."""
        dead = []
        with psycopg.connect(self.url, autocommit=True) as conn:
            for executor_id in executor_ids:
                key = lock_key(executor_id)
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                if row and row[0]:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
                    dead.append(executor_id)
        return dead
