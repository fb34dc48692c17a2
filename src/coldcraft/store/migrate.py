"""Run Alembic migrations programmatically (`coldcraft db upgrade`, serve's auto-upgrade)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import create_async_engine


def migrations_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    # env.py runs its own event loop, so it cannot run on the caller's loop.
    await asyncio.to_thread(upgrade, url, revision)


def unmigrated(url: str) -> str | None:
    """Why the database at `url` cannot serve this version of coldcraft yet (its schema is
    missing or older than the code), or None when it is at the head revision. Said before
    anything touches a table, instead of a traceback such as `relation "users" does not
    exist` from the first query."""
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    current = asyncio.run(_current_revision(url))
    if current == head:
        return None
    found = "has no coldcraft tables" if current is None else f"is at revision {current}"
    return f"the database {found} (this version needs {head}): run `coldcraft db upgrade`"


async def _current_revision(url: str) -> str | None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
