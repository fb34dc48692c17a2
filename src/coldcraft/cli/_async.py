"""Run one short async unit of work against the configured database from the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings, get_settings
from coldcraft.store.engine import create_engine
from coldcraft.store.migrate import unmigrated, upgrade
from coldcraft.store.session import create_sessionmaker, unit_of_work

T = TypeVar("T")


def require_migrated(settings: Settings) -> str:
    """The database URL, once its schema is current: the embedded SQLite database upgrades
    itself; any other database must have been upgraded (`coldcraft db upgrade`), else the
    command stops here with that advice (exit 1), not with a traceback from its first query."""
    url = settings.resolved_database_url()
    if settings.is_sqlite:
        upgrade(url)
        return url
    problem = unmigrated(url)
    if problem is not None:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(1)
    return url


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    url = require_migrated(get_settings())

    async def main() -> T:
        engine = create_engine(url)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
