"""Base repository: every query lives in a repository, bound to one session."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.store.base import Base

M = TypeVar("M", bound=Base)


class Repository(Generic[M]):
    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, id: Any) -> M | None:
        result: M | None = await self.session.get(self.model, id)
        return result

    async def add(self, obj: M) -> M:
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    async def one_or_none(self, stmt: Select[M]) -> M | None:
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def all(self, stmt: Select[M]) -> Sequence[M]:
        return (await self.session.execute(stmt)).scalars().all()

    def select(self) -> Select[M]:
        return select(self.model)
