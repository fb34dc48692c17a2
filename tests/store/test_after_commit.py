"""After-commit hooks: run only after the owner's commit, never after a rollback; what a
hook writes is committed, also when the hook raises (a compensation is kept)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.store.models import User
from coldcraft.store.session import AfterCommit, SessionMaker, after_commit, unit_of_work


async def emails(sessionmaker: SessionMaker) -> set[str]:
    async with sessionmaker() as session:
        return set((await session.execute(select(User.email))).scalars())


async def test_hooks_run_after_the_commit_in_order(sessionmaker: SessionMaker) -> None:
    seen: list[tuple[str, set[str]]] = []

    def hook(name: str) -> AfterCommit:
        async def run(_session: AsyncSession) -> None:
            seen.append((name, await emails(sessionmaker)))  # another connection's view

        return run

    async with unit_of_work(sessionmaker) as session:
        session.add(User(email="a@example.com"))
        after_commit(session, hook("first"))
        after_commit(session, hook("second"))
        assert seen == []
    assert seen == [("first", {"a@example.com"}), ("second", {"a@example.com"})]


async def test_no_hook_runs_when_the_unit_of_work_rolls_back(sessionmaker: SessionMaker) -> None:
    ran: list[bool] = []

    async def hook(_session: AsyncSession) -> None:
        ran.append(True)

    async def failing_request() -> None:
        async with unit_of_work(sessionmaker) as session:
            session.add(User(email="b@example.com"))
            after_commit(session, hook)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert ran == []
    assert "b@example.com" not in await emails(sessionmaker)


async def test_what_a_failing_hook_wrote_is_kept(sessionmaker: SessionMaker) -> None:
    async def compensate_then_fail(session: AsyncSession) -> None:
        session.add(User(email="compensation@example.com"))
        await session.flush()
        raise RuntimeError("enqueue failed")

    async def request() -> None:
        async with unit_of_work(sessionmaker) as session:
            session.add(User(email="c@example.com"))
            after_commit(session, compensate_then_fail)

    with pytest.raises(RuntimeError, match="enqueue failed"):
        await request()
    assert {"c@example.com", "compensation@example.com"} <= await emails(sessionmaker)
