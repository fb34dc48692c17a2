"""The PostgreSQL pool never hands out a connection that is still inside a transaction."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from coldcraft.store.engine import create_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url(db_url: str) -> str:
    if not db_url.startswith("postgresql"):
        pytest.skip("asyncpg connections only (PostgreSQL)")
    return db_url


async def test_a_connection_left_in_a_transaction_is_discarded(postgres_url: str) -> None:
    """As after a task cancelled while asyncpg sent BEGIN: asyncpg holds an open transaction
    SQLAlchemy does not know about. Without the guard the next unit of work on that
    connection becomes a savepoint inside it and its write never commits."""
    engine = create_engine(postgres_url)
    name = f"pool-{uuid.uuid4().hex[:8]}"
    try:
        async with engine.connect() as conn:
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            await driver.transaction().start()  # behind SQLAlchemy's back
        async with engine.begin() as conn:  # the same pooled connection, were it reused
            await conn.execute(
                text("INSERT INTO users (id, email) VALUES (:id, :email)"),
                {"id": uuid.uuid4(), "email": f"{name}@example.com"},
            )
        other = create_engine(postgres_url)
        try:
            async with other.connect() as conn:
                found = await conn.scalar(
                    text("SELECT count(*) FROM users WHERE email = :email"),
                    {"email": f"{name}@example.com"},
                )
            assert found == 1  # committed, visible to another connection
        finally:
            await other.dispose()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM users WHERE email LIKE :p"), {"p": f"{name}%"})
        await engine.dispose()
