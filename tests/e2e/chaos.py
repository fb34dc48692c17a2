"""Chaos helpers: a private PostgreSQL server a test may crash and restart, and the API
calls the chaos tests share.

The machine's shared PostgreSQL serves every other test, so a test that restarts the
database gets a server of its own: `initdb` into a temporary directory, a free port, its
unix socket in that directory, trust authentication. `fsync=off` is safe for what the
tests do (a server crash: `pg_ctl stop -m immediate`; the WAL is in the OS's cache) while
`synchronous_commit` stays on: a commit the server acknowledged must survive the crash.
initdb refuses to run as root, so as root the binaries run as the `postgres` OS user.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from coldcraft.store.migrate import upgrade
from tests.e2e.conftest import free_port
from tests.e2e.test_worker_recovery import insert_session

PG_USER = "postgres"
TERMINAL = ("completed", "failed", "cancelled")


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries installed (Debian layout first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_of)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _version_of(path: str) -> float:
    try:
        return float(Path(path).parent.parent.name)
    except ValueError:
        return 0.0


@dataclass
class PrivatePostgres:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{PG_USER}@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data_dir), "-U", PG_USER, "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off -c max_connections=200"
        )
        log = str(self.root / "postgres.log")
        data = str(self.data_dir)
        self._run("pg_ctl", "start", "-w", "-t", "30", "-D", data, "-l", log, "-o", options)

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash: connections drop, the next start runs crash recovery."""
        self._run("pg_ctl", "stop", "-w", "-t", "30", "-m", mode, "-D", str(self.data_dir))

    def halt(self) -> None:
        """Stop the server if it runs (teardown: errors ignored)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data_dir), check=False)

    def create_database(self, name: str) -> str:
        libpq = f"postgresql://{PG_USER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        cmd = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        subprocess.run(cmd, check=check, capture_output=True, timeout=60)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A running PostgreSQL server of this test's own, removed after it."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) installed")
    # Not under pytest's tmp_path: as root that is private to root, and the server runs
    # as the postgres user.
    root = Path(tempfile.mkdtemp(prefix="coldcraft-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, user=PG_USER, group=PG_USER)
    server = PrivatePostgres(bin_dir, root, free_port())
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.halt()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def private_db(private_postgres: PrivatePostgres) -> str:
    """A migrated coldcraft database on the private server (gone with the server)."""
    url = private_postgres.create_database("coldcraft")
    upgrade(url)
    return url


# --- the API calls of a generate-examples run ------------------------------------------


def leads(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {"first_name": f"{prefix}{i:02d}", "last_name": "Example", "company": "Acme"}
        for i in range(count)
    ]


async def new_chat_session(api: httpx.AsyncClient, db_url: str, key: str) -> str:
    """A draft email campaign with an AI node and a chat session holding a skeleton."""
    created = await api.post("/api/campaigns", json={"type": "email", "name": "chaos"})
    campaign = created.json()["campaign"]
    nodes = await api.post(
        f"/api/campaigns/{campaign['id']}/sequence/nodes", json={"type": "ai", "position": 0}
    )
    node = next(n for n in nodes.json()["sequence_nodes"] if n["type"] == "ai")
    return await insert_session(db_url, key, campaign, node["id"])


def generate_url(session_id: str) -> str:
    return f"/api/campaigns/ai-chat-sessions/{session_id}/generate-examples"


async def wait_run(
    api: httpx.AsyncClient, run_id: str, *, done: int = 10**6, timeout: float = 60
) -> dict[str, Any]:
    """The run once it has `done` items or is terminal (by default: once terminal)."""
    deadline = time.monotonic() + timeout
    run: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = await api.get(f"/api/runs/{run_id}")
        if response.status_code == 200:
            run = response.json()["run"]
            if run["progress"]["done"] >= done or run["status"] in TERMINAL:
                return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not reach {done} items: {run}")
