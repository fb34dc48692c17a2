"""Company research through the database: one row per company domain, shared by every
worker and kept across restarts until it expires (`research_cache_seconds`).

`company_facts` reads a fresh row without a write lock (`store.session.reading`); on a miss
it researches and stores. Both happen inside `research.service.research_targets`' shared
work, so concurrent callers in this process make one read and at most one research (a
caller arriving just after a research reads its row). A research's result is stored in a
short unit of work of its own (an upsert: concurrent workers for one domain do not fail,
the last write wins). No transaction is open during a fetch or a model call.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import ValidationError

from coldcraft.companies.repository import CompanyResearchRepository
from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.usage import Usage
from coldcraft.research.extract import extraction_name
from coldcraft.research.service import (
    CompanyFacts,
    ResearchCache,
    cache_seconds,
    research_targets,
)
from coldcraft.research.targets import targets_for
from coldcraft.skeletons.schema import Lead
from coldcraft.store.session import SessionMaker, reading, unit_of_work

log = logging.getLogger(__name__)

# Kept in their own columns (extraction, usage) or meaningless once stored (from_cache).
_NOT_IN_RESULT = {"from_cache", "usage", "extraction"}


@dataclass(frozen=True)
class Researched:
    """A company's facts and what getting them cost now: zero from a cache (the database
    row, or a concurrent caller's research in this process), a model extraction's usage
    otherwise (zero offline)."""

    facts: CompanyFacts
    usage: Usage = field(default_factory=Usage)


async def company_facts(
    sessions: SessionMaker,
    lead_or_domain: Lead | str,
    settings: Settings,
    *,
    model: ResolvedModel | None = None,
    client: httpx.AsyncClient | None = None,
    cache: ResearchCache | None = None,
) -> Researched:
    """The company's facts: from its fresh row when there is one (`from_cache`), else
    researched now (by `model` when given and not offline) and stored.

    A lead without a company site (free mail, no email) gives an empty result and stores
    nothing. With `research_cache_seconds` 0 nothing is read nor stored. A result that read
    no page or whose model extraction failed is stored for `SHORT_CACHE_SECONDS` at most.
    `cache` is the in-process sharing of concurrent research (the process's by default)."""
    targets = targets_for(lead_or_domain)
    if targets is None:
        empty = CompanyFacts(domain=None, facts=[], urls=[], researched_at=datetime.now(UTC))
        return Researched(empty)
    extraction = extraction_name(model)
    use_database = settings.research_cache_seconds > 0

    async def stored() -> CompanyFacts | None:
        return await _stored(sessions, targets.domain, extraction) if use_database else None

    async def store(result: CompanyFacts) -> None:
        if use_database:
            await _store(sessions, result, settings)

    result = await research_targets(
        targets, settings, client, cache=cache, model=model, stored=stored, then=store
    )
    return Researched(result, Usage() if result.from_cache else replace(result.usage))


async def forget(
    sessions: SessionMaker, lead_or_domain: Lead | str, *, cache: ResearchCache | None = None
) -> bool:
    """Drop a company's stored research (and this process's copy): the next call researches
    again. True when a row was deleted."""
    targets = targets_for(lead_or_domain)
    if targets is None:
        return False
    if cache is not None:
        cache.forget(targets.domain)
    async with unit_of_work(sessions) as session:
        return await CompanyResearchRepository(session).delete_domain(targets.domain)


async def purge_expired(sessions: SessionMaker, now: datetime | None = None) -> int:
    """Delete the rows that have expired; how many (the periodic sweep calls it). A read
    looks first, so a sweep with nothing to purge takes no write lock."""
    now = now or datetime.now(UTC)
    async with reading(sessions) as session:
        if not await CompanyResearchRepository(session).any_expired(now):
            return 0
    async with unit_of_work(sessions) as session:
        return await CompanyResearchRepository(session).purge_expired(now)


async def _stored(sessions: SessionMaker, domain: str, extraction: str) -> CompanyFacts | None:
    async with reading(sessions) as session:
        row = await CompanyResearchRepository(session).fresh(domain, extraction, datetime.now(UTC))
        if row is None:
            return None
        data, extractor = row.result, row.extraction
    try:
        facts = CompanyFacts.model_validate({**data, "extraction": extractor})
    except ValidationError:  # written by another version: research again, overwrite it
        log.warning("company_research row for %s does not parse: researching again", domain)
        return None
    return facts.cached()


async def _store(sessions: SessionMaker, result: CompanyFacts, settings: Settings) -> None:
    ttl = cache_seconds(result, settings)
    if result.domain is None or ttl <= 0:
        return
    async with unit_of_work(sessions) as session:
        await CompanyResearchRepository(session).upsert(
            domain=result.domain,
            result=result.model_dump(mode="json", exclude=_NOT_IN_RESULT),
            researched_at=result.researched_at,
            expires_at=datetime.now(UTC) + timedelta(seconds=ttl),
            extraction=result.extraction,
            usage=asdict(result.usage),
        )
