"""Run one short async unit of work against the configured database from the CLI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import get_settings
from coldcraft.store.engine import create_engine
from coldcraft.store.migrate import upgrade
from coldcraft.store.session import create_sessionmaker, unit_of_work

T = TypeVar("T")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    settings = get_settings()
    url = settings.resolved_database_url()
    if settings.is_sqlite:
        upgrade(url)

    async def main() -> T:
        engine = create_engine(url)
        try:
            async with unit_of_work(create_sessionmaker(engine)) as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(main())
