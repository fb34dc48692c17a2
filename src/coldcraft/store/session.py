"""Session factory and the unit of work: the entry point owns the transaction.

Only the owner of a unit of work commits it (`unit_of_work`, the request's session in
`api/deps.py`); services flush. Work that must follow a commit (enqueueing a run on a
queue outside this database) is registered with `after_commit(session, hook)`: the owner
runs the hooks right after its commit, each in the session's next transaction, which it
commits after the hook, also when the hook raises (so a hook's compensation, such as a run
marked failed, is kept) before the error goes on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coldcraft.store.engine import READ_ONLY

SessionMaker = async_sessionmaker[AsyncSession]
AfterCommit = Callable[[AsyncSession], Awaitable[None]]

_HOOKS = "coldcraft.after_commit"


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def after_commit(session: AsyncSession, hook: AfterCommit) -> None:
    """Run `hook(session)` once the owner of `session` has committed its transaction (never
    if it rolls back)."""
    session.info.setdefault(_HOOKS, []).append(hook)


async def commit(session: AsyncSession) -> None:
    """The owner's commit: the transaction, then its after-commit hooks in order."""
    await session.commit()
    hooks: list[AfterCommit] = session.info.pop(_HOOKS, [])
    for hook in hooks:
        try:
            await hook(session)
        finally:
            await session.commit()


def discard_hooks(session: AsyncSession) -> None:
    """Forget the hooks of a transaction that is rolled back."""
    session.info.pop(_HOOKS, None)


async def read_only(session: AsyncSession) -> None:
    """Open the session's transaction as a read (before its first statement): on SQLite a
    deferred BEGIN that takes no lock (a statement that writes is refused), on PostgreSQL
    no transaction at all (each statement sees committed data, as under READ COMMITTED:
    one round trip per query instead of BEGIN/.../COMMIT)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    else:
        await session.connection(execution_options={READ_ONLY: True})


@asynccontextmanager
async def reading(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """A short unit of work that only reads: it never waits for, nor holds, the write lock
    of the embedded SQLite database."""
    async with sessionmaker() as session:  # closing it ends the read (objects stay loaded)
        await read_only(session)
        yield session


@asynccontextmanager
async def unit_of_work(sessionmaker: SessionMaker) -> AsyncIterator[AsyncSession]:
    """One short transaction: commit on success, roll back on any error."""
    async with sessionmaker() as session:
        try:
            yield session
            await commit(session)
        except BaseException:
            discard_hooks(session)
            await session.rollback()
            raise
