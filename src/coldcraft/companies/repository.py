"""The company_research queries: one row per company domain, upserted (last write wins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from coldcraft.store.models import CompanyResearch
from coldcraft.store.repository import Repository


class CompanyResearchRepository(Repository[CompanyResearch]):
    model = CompanyResearch

    async def fresh(self, domain: str, extraction: str, now: datetime) -> CompanyResearch | None:
        """The domain's row when it has not expired and the same extractor made it."""
        stmt = select(CompanyResearch).where(
            CompanyResearch.domain == domain,
            CompanyResearch.expires_at > now,
            CompanyResearch.extraction == extraction,
        )
        return await self.one_or_none(stmt)

    async def upsert(
        self,
        *,
        domain: str,
        result: dict[str, Any],
        researched_at: datetime,
        expires_at: datetime,
        extraction: str,
        usage: dict[str, Any],
    ) -> None:
        """One statement (INSERT ... ON CONFLICT DO UPDATE, on SQLite and PostgreSQL alike):
        two workers storing one domain at once cannot collide on the key; the last wins."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        values = {
            "domain": domain,
            "result": result,
            "researched_at": researched_at,
            "expires_at": expires_at,
            "extraction": extraction,
            "usage": usage,
        }
        stmt = dialect.insert(CompanyResearch).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=[CompanyResearch.domain],
            set_={name: stmt.excluded[name] for name in values if name != "domain"},
        )
        await self.session.execute(stmt)

    async def delete_domain(self, domain: str) -> bool:
        deleted = await self.session.execute(
            delete(CompanyResearch).where(CompanyResearch.domain == domain)
        )
        return bool(getattr(deleted, "rowcount", 0))

    async def any_expired(self, now: datetime) -> bool:
        """Whether a row has expired (on the expiry index: one probe)."""
        stmt = select(CompanyResearch.domain).where(CompanyResearch.expires_at <= now).limit(1)
        return await self.session.scalar(stmt) is not None

    async def purge_expired(self, now: datetime) -> int:
        deleted = await self.session.execute(
            delete(CompanyResearch).where(CompanyResearch.expires_at <= now)
        )
        return int(getattr(deleted, "rowcount", 0) or 0)
