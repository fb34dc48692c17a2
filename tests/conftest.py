"""Fixtures: one migrated database per test run and backend, emptied after each test.

The suite runs on SQLite always and on PostgreSQL too when COLDCRAFT_TEST_POSTGRES_URL is
set (e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test): a fresh database is created
on that server for the run and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.engine import URL, make_url

from coldcraft.app import create_app
from coldcraft.config import Settings
from coldcraft.runs.kinds import RunQueue
from coldcraft.store.base import Base
from coldcraft.store.migrate import upgrade
from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account, create_account
from tests.worker import kinds  # noqa: F401  (the test echo kind, known to every engine)

POSTGRES_URL = os.environ.get("COLDCRAFT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _create_postgres_database(server_url: str) -> str:
    import psycopg

    name = f"coldcraft_test_{uuid.uuid4().hex[:12]}"
    url = make_url(server_url)
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(db_url: str) -> None:
    import psycopg

    url = make_url(db_url)
    with psycopg.connect(_libpq(url.set(database="postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')


def _libpq(url: URL) -> str:
    """The same server as a plain libpq URL (psycopg does not take SQLAlchemy drivers)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "coldcraft-test.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("COLDCRAFT_TEST_POSTGRES_URL is not set")
    url = _create_postgres_database(POSTGRES_URL)
    upgrade(url)
    yield url
    _drop_postgres_database(url)


@pytest.fixture(scope="session")
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return Settings(
        database_url=db_url,
        data_dir=data_dir,
        secret_key="test-secret-key-not-for-production",  # type: ignore[arg-type]
        chat_model="offline",
        writer_model="offline",
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def run_queue(app: FastAPI) -> RunQueue:
    """Where runs started directly through `run_service` are enqueued: the app's engine."""
    queue: RunQueue = app.state.run_engine
    return queue


@pytest.fixture
async def sessionmaker(app: FastAPI) -> AsyncIterator[SessionMaker]:
    maker: SessionMaker = app.state.sessionmaker
    yield maker
    await _empty_all_tables(maker)


async def _empty_all_tables(maker: SessionMaker) -> None:
    async with maker() as session:
        for table in reversed(Base.metadata.sorted_tables):
            await session.execute(delete(table))
        await session.commit()


@pytest.fixture
async def client(app: FastAPI, sessionmaker: SessionMaker) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def account(sessionmaker: SessionMaker) -> Account:
    return await create_account(sessionmaker, email="owner@example.com")


@pytest.fixture
async def other_account(sessionmaker: SessionMaker) -> Account:
    return await create_account(sessionmaker, email="intruder@example.com")


@pytest.fixture
async def api(client: httpx.AsyncClient, account: Account) -> httpx.AsyncClient:
    """The client, authenticated as `account`."""
    client.headers["Authorization"] = f"Bearer {account.key}"
    return client
