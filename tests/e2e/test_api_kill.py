"""The API process killed (-9) between the claim of a chat session and the enqueue of its
generate-examples run: the session must not stay claimed.

The POST is frozen at that point without touching our code: the test holds a lock the
enqueue needs (on PostgreSQL an ACCESS EXCLUSIVE lock on DBOS's `workflow_status` table in
our database; on SQLite the write lock of DBOS's own file), checks the claim was made,
kills the API, releases the lock and starts a new API process.

- PostgreSQL: claim, run row and workflow row are one transaction, so the killed request
  leaves nothing behind: the very next POST is accepted and no trace of the first exists.
- SQLite (embedded): the claim and the `queued` run commit before the enqueue (the
  outbox), so the orphan run holds the claim until the sweep enqueues it (after
  `COLDCRAFT_RUN_ENQUEUE_GRACE_SECONDS`); it completes and frees the session, well within
  `COLDCRAFT_CLAIM_LEASE_SECONDS`, and only then does a new POST get its 202.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _libpq
from tests.e2e.chaos import generate_url, leads, new_chat_session, wait_run
from tests.e2e.conftest import Processes, start_api, writer_env
from tests.e2e.test_worker_recovery import WriterServer, read_examples, setup_session
from tests.llm.fake_providers import fake_openai

pytestmark = pytest.mark.slow

log = logging.getLogger(__name__)

FIRST = leads("First", 6)
SECOND = leads("Second", 6)
LEASE_SECONDS = 20
FREEZE_TIMEOUT = 20.0


def names(leads: list[dict[str, Any]]) -> list[str]:
    return [lead["first_name"] for lead in leads]


def example_names(examples: list[dict[str, Any]]) -> list[str]:
    return [example["lead"]["first_name"] for example in examples]


async def until(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await asyncio.to_thread(check):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def kill_mid_post(
    processes: Processes, api: httpx.AsyncClient, url: str, frozen: Callable[[], bool]
) -> None:
    """POST, wait until `frozen()` says the request is stuck, kill -9 the API process."""
    post = asyncio.create_task(api.post(url, json={"leads": FIRST}, timeout=60))
    await until(frozen, timeout=FREEZE_TIMEOUT, what="the POST to block in the enqueue")
    assert not post.done()
    processes.kill("api")
    with pytest.raises(httpx.HTTPError):
        await post  # the client never gets an answer


# --- PostgreSQL: one transaction ---------------------------------------------------------


@contextlib.contextmanager
def workflow_table_locked(libpq: str) -> Iterator[None]:
    """DBOS's workflow table locked: an enqueue in our database blocks on it."""
    with psycopg.connect(libpq) as conn:
        conn.execute("LOCK TABLE dbos.workflow_status IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


def claimed_and_waiting(libpq: str, session_id: str) -> bool:
    """The session row is locked by an uncommitted claim and a backend that has written (an
    xid) waits for the workflow table: the POST is between claim and enqueue."""
    with psycopg.connect(libpq, autocommit=True) as conn:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL"
            " AND query ILIKE '%workflow_status%'"
        ).fetchone()
        if not waiting or waiting[0] == 0:
            return False
        try:
            with conn.transaction():
                conn.execute(
                    "SELECT 1 FROM ai_chat_sessions WHERE id = %s FOR UPDATE NOWAIT", (session_id,)
                )
        except psycopg.errors.LockNotAvailable:
            return True
        return False


def count(libpq: str, sql: str, *params: object) -> int:
    with psycopg.connect(libpq, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        return int(row[0]) if row else 0


@pytest.mark.postgres
async def test_api_killed_between_claim_and_enqueue_on_postgres_leaves_the_session_free(
    e2e_db: str, processes: Processes
) -> None:
    libpq = _libpq(make_url(e2e_db))
    writer = WriterServer()
    with fake_openai() as fake:
        fake.latency = 0.1
        fake.responder = writer
        processes.env |= writer_env(
            e2e_db, fake.base_url, COLDCRAFT_CLAIM_LEASE_SECONDS=str(LEASE_SECONDS)
        )
        base = await asyncio.to_thread(start_api, processes, "api", COLDCRAFT_EXECUTOR="none")
        processes.start("worker", "worker", "--id", "kill-worker-1")
        key, _ = await setup_session(e2e_db)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
            session_id = await new_chat_session(api, e2e_db, key)
            with workflow_table_locked(libpq):
                frozen = functools.partial(claimed_and_waiting, libpq, session_id)
                await kill_mid_post(processes, api, generate_url(session_id), frozen)

        base = await asyncio.to_thread(start_api, processes, "api-2", COLDCRAFT_EXECUTOR="none")
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
            response = await api.post(generate_url(session_id), json={"leads": SECOND})
            assert response.status_code == 202, response.text  # at once: nothing was kept
            run = await wait_run(api, response.json()["runId"])
            assert run["status"] == "completed", (run, processes.log("worker"))

    assert count(libpq, "SELECT count(*) FROM runs WHERE session_id = %s", session_id) == 1
    workflows = "SELECT count(*) FROM dbos.workflow_status WHERE name = 'coldcraft.run'"
    assert count(libpq, workflows) == 1
    examples = await read_examples(e2e_db, session_id)  # the claim is released
    assert example_names(examples) == names(SECOND)
    assert sorted(writer.per_lead) == sorted(names(SECOND))


# --- SQLite (embedded): the outbox --------------------------------------------------------


@contextlib.contextmanager
def sqlite_write_locked(path: Path) -> Iterator[None]:
    """DBOS's SQLite file write-locked: its enqueue waits (and retries) for the lock."""
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def read_rows(path: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as conn:
        return conn.execute(sql, params).fetchall()


def claimed_with_queued_run(db: Path) -> bool:
    """The outbox committed (claim + `queued` run); the enqueue cannot have happened."""
    runs = read_rows(db, "SELECT id FROM runs WHERE status = 'queued'")
    claims = read_rows(db, "SELECT task_run_id FROM ai_chat_sessions WHERE task_status IS NOT NULL")
    return len(runs) == 1 and claims == runs


async def post_until_accepted(api: httpx.AsyncClient, url: str, deadline: float) -> tuple[str, int]:
    """POST until 202 (409 while the orphan run holds the claim); (run id, 409s seen)."""
    busy = 0
    while time.monotonic() < deadline:
        response = await api.post(url, json={"leads": SECOND})
        if response.status_code == 202:
            return response.json()["runId"], busy
        assert response.status_code == 409, response.text
        busy += 1
        await asyncio.sleep(0.2)
    raise AssertionError(f"the session was still claimed after the lease ({busy} 409s)")


async def test_api_killed_between_commit_and_enqueue_on_sqlite_frees_the_session_in_the_lease(
    processes: Processes, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    db, dbos_file = data / "coldcraft.db", data / "dbos.sqlite"
    db_url = f"sqlite+aiosqlite:///{db}"
    writer = WriterServer()
    with fake_openai() as fake:
        fake.latency = 0.1
        fake.responder = writer
        processes.env |= {
            "COLDCRAFT_WRITER_MODEL": f"openai-compatible:fake@{fake.base_url}",
            "COLDCRAFT_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
            "COLDCRAFT_RUN_SWEEP_INTERVAL_SECONDS": "1",
            "COLDCRAFT_RUN_ENQUEUE_GRACE_SECONDS": "1",
        }
        base = await asyncio.to_thread(start_api, processes, "api")
        key, _ = await setup_session(db_url)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
            session_id = await new_chat_session(api, db_url, key)
            with sqlite_write_locked(dbos_file):
                frozen = functools.partial(claimed_with_queued_run, db)
                await kill_mid_post(processes, api, generate_url(session_id), frozen)
        [(orphan_id,)] = read_rows(db, "SELECT id FROM runs")
        workflows = "SELECT count(*) FROM workflow_status WHERE workflow_uuid = ?"
        assert read_rows(dbos_file, workflows, orphan_id) == [(0,)]  # never enqueued

        restarted = time.monotonic()
        base = await asyncio.to_thread(start_api, processes, "api-2")
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
            url = generate_url(session_id)
            run_id, busy = await post_until_accepted(api, url, restarted + LEASE_SECONDS)
            claimable_after = time.monotonic() - restarted
            orphan = await wait_run(api, orphan_id)
            run = await wait_run(api, run_id)
        log.info(
            "session claimable %.1f s after the restart (%d x 409 before); orphan run %s",
            claimable_after,
            busy,
            orphan["status"],
        )
        assert orphan["status"] == "completed", (orphan, processes.log("api-2"))
        assert run["status"] == "completed", (run, processes.log("api-2"))
        # One run after the other on the session, never two at once.
        assert datetime.fromisoformat(orphan["finished_at"]) <= datetime.fromisoformat(
            run["created_at"]
        )

    examples = await read_examples(db_url, session_id)
    assert sorted(example_names(examples)) == sorted(names(FIRST) + names(SECOND))
    assert sorted(writer.per_lead.elements()) == sorted(names(FIRST) + names(SECOND))
