"""Research for one company: fetch its home and about pages, collect facts, say what failed.

Results are kept in a small in-memory cache per company domain for `research_cache_seconds`
(default 7 days; 0 turns it off), and concurrent calls for one domain share one research.
It is per process and lost on restart: a database cache per company domain, shared by
workers, is the next step (docs/research.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict

from coldcraft.config import Settings
from coldcraft.research.facts import Fact, extract_facts
from coldcraft.research.fetch import FetchRefused, fetch_page
from coldcraft.research.targets import ResearchTargets, targets_for
from coldcraft.skeletons.schema import Lead

MAX_FACTS = 30
CACHE_MAX_DOMAINS = 1000


class UrlOutcome(BaseModel):
    """What happened to one URL: fetched (with where it ended up) or refused, and why."""

    model_config = ConfigDict(frozen=True)

    url: str
    status: Literal["fetched", "refused"]
    reason: str | None = None
    final_url: str | None = None
    facts: int = 0


class CompanyFacts(BaseModel):
    """What a company's own pages say. `domain` is None when the lead names no company site
    (no website field, free-mail or no email): then nothing was fetched."""

    model_config = ConfigDict(frozen=True)

    domain: str | None
    facts: list[Fact]
    urls: list[UrlOutcome]
    researched_at: datetime
    from_cache: bool = False

    @property
    def refused(self) -> list[UrlOutcome]:
        return [u for u in self.urls if u.status == "refused"]


class ResearchCache:
    """Company facts per domain for a while, in this process only (see the module doc)."""

    def __init__(
        self, max_domains: int = CACHE_MAX_DOMAINS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: dict[str, tuple[float, CompanyFacts]] = {}
        self._max = max_domains
        self._clock = clock
        # Research under way, per event loop and domain: concurrent callers share one.
        self._pending: dict[tuple[int, str], asyncio.Task[CompanyFacts]] = {}

    def get(self, domain: str) -> CompanyFacts | None:
        entry = self._entries.get(domain)
        if entry is None:
            return None
        expires, facts = entry
        if self._clock() >= expires:
            del self._entries[domain]
            return None
        return facts.model_copy(update={"from_cache": True})

    def put(self, domain: str, facts: CompanyFacts, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        if domain not in self._entries and len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]  # the oldest entry
        self._entries[domain] = (self._clock() + ttl_seconds, facts)

    def clear(self) -> None:
        self._entries.clear()

    async def shared(
        self, domain: str, research: Callable[[], Awaitable[CompanyFacts]], ttl_seconds: float
    ) -> CompanyFacts:
        """The result of `research()` for `domain`, run once however many ask at a time.

        The work runs in a task of its own (shielded): a caller cancelled does not cancel
        it for the others, and its result still fills the cache."""
        key = (id(asyncio.get_running_loop()), domain)
        task = self._pending.get(key)
        if task is not None:
            result = await asyncio.shield(task)
            return result.model_copy(update={"from_cache": True})

        async def run() -> CompanyFacts:
            result = await research()
            self.put(domain, result, ttl_seconds)
            return result

        task = asyncio.ensure_future(run())
        self._pending[key] = task
        task.add_done_callback(lambda done: self._settle(key, done))
        return await asyncio.shield(task)

    def _settle(self, key: tuple[int, str], task: asyncio.Task[CompanyFacts]) -> None:
        if self._pending.get(key) is task:
            del self._pending[key]
        if not task.cancelled():
            task.exception()  # retrieved: no "never retrieved" warning when nobody waits


PROCESS_CACHE = ResearchCache()


async def research_company(
    domain_or_lead: str | Lead,
    settings: Settings,
    client: httpx.AsyncClient | None = None,
    *,
    cache: ResearchCache | None = None,
) -> CompanyFacts:
    """Facts from the company's home page and its first about page that answers.

    Never raises for a page: every URL tried is in `urls`, fetched or refused with the
    reason (`private address`, `robots.txt disallows`, `HTTP 404`, ...)."""
    targets = targets_for(domain_or_lead)
    if targets is None:
        return CompanyFacts(domain=None, facts=[], urls=[], researched_at=datetime.now(UTC))
    cache = PROCESS_CACHE if cache is None else cache
    cached = cache.get(targets.domain)
    if cached is not None:
        return cached

    async def research() -> CompanyFacts:
        if client is not None:
            return await _research(targets, settings, client)
        async with httpx.AsyncClient(
            timeout=settings.research_timeout_seconds, trust_env=False
        ) as own:
            return await _research(targets, settings, own)

    return await cache.shared(targets.domain, research, settings.research_cache_seconds)


async def _research(
    targets: ResearchTargets, settings: Settings, client: httpx.AsyncClient
) -> CompanyFacts:
    facts: list[Fact] = []
    seen: set[str] = set()
    outcomes: list[UrlOutcome] = []
    fetched_urls: set[str] = set()

    async def visit(url: str) -> bool:
        try:
            page = await fetch_page(url, settings=settings, client=client)
        except FetchRefused as exc:
            outcomes.append(UrlOutcome(url=url, status="refused", reason=exc.reason))
            return False
        if page.url in fetched_urls:  # an about URL redirecting to a page already read
            outcomes.append(UrlOutcome(url=url, status="fetched", final_url=page.url))
            return False
        fetched_urls.add(page.url)
        added = 0
        for fact in extract_facts(page.html, source_url=page.url, fetched_at=page.fetched_at):
            if fact.text.lower() not in seen and len(facts) < MAX_FACTS:
                seen.add(fact.text.lower())
                facts.append(fact)
                added += 1
        outcomes.append(UrlOutcome(url=url, status="fetched", final_url=page.url, facts=added))
        return True

    await visit(targets.home_url)
    for about in targets.about_urls:
        if await visit(about):
            break
    return CompanyFacts(
        domain=targets.domain, facts=facts, urls=outcomes, researched_at=datetime.now(UTC)
    )
