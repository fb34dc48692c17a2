"""SQLite that cannot write: a read-only database and a full disk.

Each test builds its own SQLite database (whatever backend the session runs on), seeds it
through a writable app, then serves it through a second app in the faulty state:

- read-only: the database opened with a read-only URI (`file:...?mode=ro&uri=true`, the
  way an operator mounts a read-only volume; we run as root, so chmod would not stop us);
- disk full: SQLite's own SQLITE_FULL, either from a tmpfs that is full (skipped when the
  kernel refuses the mount) or from `PRAGMA max_page_count` at the database's current size,
  set on every connection through SQLAlchemy's connect event.

Writes answer 503 `unavailable` with Retry-After and a message that says what is wrong
(no path, no SQL); reads keep working, /healthz stays 200 (a restart would not help, so the
process must not be recycled by its liveness probe), the app starts on a read-only database
(no crash loop on restart), nothing changes, and writes work again once the fault is gone.
The apps enqueue only (`executor="none"`): the session's DBOS executor is left alone.
On the PostgreSQL backend the read-only case runs against the session's database too, with
every connection of a second app in read-only transactions (SQLSTATE 25006).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.engine import make_url

from coldcraft.app import create_app
from coldcraft.config import Settings
from coldcraft.store.migrate import upgrade_async
from coldcraft.store.models import AIChatSession
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.api.test_authorization import snapshot
from tests.fixtures.campaigns import add_node, add_prospect, create_campaign
from tests.fixtures.factories import Account, create_account
from tests.fixtures.runs import SEED_SKELETON

READ_ONLY = {"error": {"code": "unavailable", "message": "The database is read-only; retry later"}}
DISK_FULL = {"error": {"code": "unavailable", "message": "The disk is full; retry later"}}
TMPFS_BYTES = 8 * 1024 * 1024
LEADS_PER_BATCH = 300  # ~150 KB of rows: more pages than a full database can find


@dataclass
class Resources:
    """One account's campaign, AI node, session (with a skeleton) and prospect."""

    account: Account
    campaign: str
    node: str
    session: str


@dataclass
class Seeded:
    """A migrated SQLite database of its own, with `Resources`."""

    path: Path
    data_dir: Path
    resources: Resources

    def settings(self, database_url: str | None = None) -> Settings:
        return fault_settings(self.path, self.data_dir, database_url)


def fault_settings(path: Path, data_dir: Path, database_url: str | None = None) -> Settings:
    return Settings(
        database_url=database_url or f"sqlite+aiosqlite:///{path}",
        data_dir=data_dir,
        secret_key="fault-test-secret-key",
        executor="none",  # enqueue only: the session's DBOS executor is left alone
        chat_model="offline",
        writer_model="offline",
    )


@dataclass
class Served:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def sessionmaker(self) -> SessionMaker:
        sessionmaker: SessionMaker = self.app.state.sessionmaker
        return sessionmaker


@contextlib.asynccontextmanager
async def serving(settings: Settings, account: Account | None = None) -> AsyncIterator[Served]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        headers = account.headers if account else {}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield Served(app, client)


async def seed_resources(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> Resources:
    campaign = (await create_campaign(api))["id"]
    nodes = await add_node(api, campaign, type="ai", ai_node={"purpose": "Open"})
    node = next(n["id"] for n in nodes if n["type"] == "ai")
    await add_prospect(api, campaign)
    session = uuid.uuid4()
    async with unit_of_work(sessionmaker) as db:
        db.add(
            AIChatSession(
                id=session, user_id=account.user.id, campaign_id=uuid.UUID(campaign),
                node_id=uuid.UUID(node), skeleton=SEED_SKELETON,
            )
        )  # fmt: skip
    return Resources(account, campaign, node, str(session))


async def seed(directory: Path) -> Seeded:
    path, data_dir = directory / "coldcraft.db", directory / "data"
    await upgrade_async(f"sqlite+aiosqlite:///{path}")
    async with serving(fault_settings(path, data_dir)) as served:
        account = await create_account(served.sessionmaker, email="faults@example.com")
        served.client.headers.update(account.headers)
        resources = await seed_resources(served.client, served.sessionmaker, account)
    _checkpoint(path)
    return Seeded(path, data_dir, resources)


def _checkpoint(path: Path) -> None:
    """Move the WAL into the database file and empty it: the next write needs new space."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _integrity(path: Path) -> str:
    uri = f"file:{path}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


# --- The requests ------------------------------------------------------------------------


def leads(count: int, tag: str) -> dict[str, Any]:
    filler = "Leads generation and operations at scale " * 8
    return {
        "prospects": [
            {"email": f"{tag}{i}@example.com", "first_name": "Lead", "headline": filler}
            for i in range(count)
        ]
    }


def writes(res: Resources) -> dict[str, dict[str, Any]]:
    """One write per kind of statement and path: insert, update, delete, upsert, the claim
    and run of generate-examples (with and without Idempotency-Key), a multipart import."""
    campaign = f"/api/campaigns/{res.campaign}"
    examples = f"/api/campaigns/ai-chat-sessions/{res.session}/generate-examples"
    example = {"leads": [{"first_name": "Ada", "email": "ada@example.com"}]}
    csv = "email,first_name\n" + "".join(f"csv{i}@example.com,Csv\n" for i in range(50))
    return {
        "create a campaign": {"method": "POST", "url": "/api/campaigns",
                              "json": {"type": "email", "name": "New"}},
        "rename a campaign": {"method": "PATCH", "url": campaign, "json": {"name": "Renamed"}},
        "add leads": {"method": "POST", "url": f"{campaign}/leads",
                      "json": leads(LEADS_PER_BATCH, "ro")},
        "import a CSV": {"method": "POST", "url": f"{campaign}/leads/import-csv",
                         "files": {"file": ("leads.csv", csv.encode(), "text/csv")}},
        "replace the context": {"method": "PUT", "url": "/api/context",
                                "json": {"context": {"company": "Acme"}}},
        "resolve messages": {"method": "POST", "url": f"{campaign}/generate-messages",
                             "json": {"action": "resolve"}},
        "generate examples": {"method": "POST", "url": examples, "json": example},
        "generate examples, idempotent": {"method": "POST", "url": examples, "json": example,
                                          "headers": {"Idempotency-Key": "fault-1"}},
        "delete the campaign": {"method": "DELETE", "url": campaign},
    }  # fmt: skip


def reads(res: Resources) -> list[str]:
    return [
        "/api/me",
        "/api/campaigns",
        f"/api/campaigns/{res.campaign}",
        f"/api/campaigns/{res.campaign}/leads",
        f"/api/campaigns/ai-chat-sessions/{res.session}",
        f"/api/campaigns/{res.campaign}/generate-messages",
    ]


def assert_unavailable(
    name: str, response: httpx.Response, expected: dict[str, Any], hidden: list[str]
) -> None:
    """503 in the envelope, with Retry-After, saying nothing about paths or statements."""
    assert response.status_code == 503, f"{name}: {response.status_code} {response.text[:300]}"
    assert response.json() == expected, name
    assert response.headers["Retry-After"] == "5"
    leaked = [s for s in [*hidden, "INSERT", "UPDATE", "DELETE"] if s in response.text]
    assert not leaked, f"{name}: {response.text}"


async def assert_reads_work(client: httpx.AsyncClient, res: Resources) -> None:
    for url in reads(res):
        response = await client.get(url)
        assert response.status_code == 200, f"GET {url}: {response.text[:200]}"
    health = await client.get("/healthz")
    assert health.status_code == 200, health.text


async def assert_read_only(served: Served, res: Resources, hidden: list[str]) -> None:
    before = await snapshot(served.sessionmaker)
    await assert_reads_work(served.client, res)
    for name, request in writes(res).items():
        response = await served.client.request(**request)
        assert_unavailable(name, response, READ_ONLY, hidden)
    # Reads still work after the failed writes, and nothing changed.
    await assert_reads_work(served.client, res)
    assert await snapshot(served.sessionmaker) == before
    # The executor's periodic sweep has nothing to write and does not fail.
    await served.app.state.run_engine.sweep_once()


# --- Read-only ----------------------------------------------------------------------------


async def test_a_read_only_database_answers_503_on_writes_and_keeps_reading(
    tmp_path: Path,
) -> None:
    seeded = await seed(tmp_path)
    res = seeded.resources
    read_only = f"sqlite+aiosqlite:///file:{seeded.path}?mode=ro&uri=true"
    # The app starts on a read-only database: a restart would not crash-loop.
    async with serving(seeded.settings(read_only), res.account) as served:
        await assert_read_only(served, res, [str(tmp_path), "sqlite", "readonly"])
    assert not Path("file:").exists(), "a file: URI must not create a directory"
    # Writable again: the claim the failed generate-examples did not take is free.
    async with serving(seeded.settings(), res.account) as served:
        response = await served.client.request(**writes(res)["generate examples"])
        assert response.status_code == 202, response.text
    assert _integrity(seeded.path) == "ok"


async def test_a_read_only_postgresql_answers_503_on_writes_and_keeps_reading(
    db_url: str,
    settings: Settings,
    api: httpx.AsyncClient,
    account: Account,
    sessionmaker: SessionMaker,
) -> None:
    """The same on PostgreSQL (a read-only replica after a failover, a database set
    read-only): every connection of a second app opens read-only transactions."""
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only; the SQLite cases build their own databases")
    res = await seed_resources(api, sessionmaker, account)
    async with serving(settings.model_copy(update={"executor": "none"}), account) as served:
        engine = served.app.state.engine
        event.listen(engine.sync_engine, "connect", _read_only_transactions)
        await engine.dispose()
        database = str(make_url(db_url).database)
        await assert_read_only(served, res, [database, "postgres", "read-only transaction"])


def _read_only_transactions(dbapi_connection: Any, _record: Any) -> None:
    # On the driver's connection, outside a transaction: a rollback would undo the SET.
    dbapi_connection.run_async(lambda conn: conn.execute("SET default_transaction_read_only = on"))


# --- Disk full ----------------------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(directory: Path) -> Iterator[Path]:
    directory.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(directory)]
    refused = subprocess.run(mount, capture_output=True, text=True, check=False)
    if refused.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({refused.stderr.strip() or 'refused'})")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def fill(directory: Path) -> Path:
    """A file taking every free byte of the filesystem at `directory`."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):  # ENOSPC
        while out.write(chunk):
            pass
    assert os.statvfs(directory).f_bavail == 0, "the filesystem should be full"
    return filler


@contextlib.contextmanager
def page_limit(app: FastAPI, path: Path) -> Iterator[None]:
    """Every connection capped at the database's current size: SQLITE_FULL on growth."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    event.listen(app.state.engine.sync_engine, "connect", cap)
    try:
        yield
    finally:
        event.remove(app.state.engine.sync_engine, "connect", cap)


FullDisk = Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]


@pytest.fixture(params=["tmpfs", "max_page_count"])
async def full_disk(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[Seeded, FullDisk]]:
    """A seeded database, and how to fill its disk while an app serves it."""
    if request.param == "tmpfs":
        with tmpfs(tmp_path / "disk") as disk:
            seeded = await seed(disk)
            seeded.data_dir = tmp_path / "data"  # DBOS's database is not on the full disk

            @contextlib.asynccontextmanager
            async def filled(_app: FastAPI) -> AsyncIterator[None]:
                filler = fill(disk)
                try:
                    yield
                finally:
                    filler.unlink()

            yield seeded, filled
        return
    seeded = await seed(tmp_path)

    @contextlib.asynccontextmanager
    async def capped(app: FastAPI) -> AsyncIterator[None]:
        await app.state.engine.dispose()  # a connection opened before the cap would escape it
        with page_limit(app, seeded.path):
            yield
        await app.state.engine.dispose()

    yield seeded, capped


async def test_a_full_disk_answers_503_on_writes_and_keeps_reading(
    full_disk: tuple[Seeded, FullDisk],
) -> None:
    seeded, make_full = full_disk
    res = seeded.resources
    add_leads = f"/api/campaigns/{res.campaign}/leads"
    hidden = [str(seeded.path.parent), "sqlite", "SQLITE_FULL"]
    async with serving(seeded.settings(), res.account) as served:
        before = await snapshot(served.sessionmaker)
        async with make_full(served.app):
            await assert_reads_work(served.client, res)
            for tag in ("first", "again"):  # a failed write leaves the connection usable
                response = await served.client.post(add_leads, json=leads(LEADS_PER_BATCH, tag))
                assert_unavailable(f"add leads ({tag})", response, DISK_FULL, hidden)
            await assert_reads_work(served.client, res)
            assert await snapshot(served.sessionmaker) == before
        # Space is back: the same process writes again, no restart needed.
        response = await served.client.post(add_leads, json=leads(LEADS_PER_BATCH, "after"))
        assert response.status_code == 200, response.text
        assert response.json()["imported"] == LEADS_PER_BATCH
    assert _integrity(seeded.path) == "ok"
