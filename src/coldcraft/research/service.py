"""Research for one company: fetch its home and about pages, collect facts, say what failed.

Facts come from a model when one is given (not offline; extract.py), else offline from each
page's title, description and headings. What the model calls cost is in `CompanyFacts.usage`.

Results are kept in a small in-memory cache per company domain and extractor for
`research_cache_seconds` (default 7 days; 0 turns it off; `cache_seconds` shortens it for a
result that read no page or whose model extraction failed), and concurrent calls for one
domain share one research. It is per process and lost on restart: `coldcraft.companies`
keeps results in the database, shared by workers (docs/research.md).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field
from pydantic_ai.exceptions import ModelAPIError, UnexpectedModelBehavior

from coldcraft.config import Settings
from coldcraft.llm.errors import LLMError, to_llm_error
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.search import SearchResult, WebSearch, web_search_from_settings
from coldcraft.llm.usage import Usage
from coldcraft.research.extract import extraction_name, page_facts
from coldcraft.research.facts import (
    MAX_FACT_CHARS,
    MAX_QUOTE_CHARS,
    Fact,
    clean_text,
    extract_facts,
    fact_id,
    looks_like_instructions,
)
from coldcraft.research.fetch import FetchRefused, fetch_page
from coldcraft.research.targets import ResearchTargets, targets_for
from coldcraft.skeletons.schema import Lead

MAX_FACTS = 30
SEARCH_RESULTS = 5  # results asked of the search backend per company
CACHE_MAX_DOMAINS = 1000
# A result that read no page (every URL refused: the site down, robots.txt, a timeout) or
# whose model extraction failed is kept this long at most: long enough that a campaign with
# many prospects at one company does not knock on its door for each, short enough that a
# site back up (or a provider back) is read again the same day.
SHORT_CACHE_SECONDS = 3600


class UrlOutcome(BaseModel):
    """What happened to one URL: fetched (with where it ended up) or refused, and why."""

    model_config = ConfigDict(frozen=True)

    url: str
    status: Literal["fetched", "refused"]
    reason: str | None = None
    final_url: str | None = None
    facts: int = 0
    # The model extraction failed (an LLMError code): the page's facts are the offline ones.
    extraction_error: str | None = None


class CompanyFacts(BaseModel):
    """What a company's own pages say. `domain` is None when the lead names no company site
    (no website field, free-mail or no email): then nothing was fetched."""

    model_config = ConfigDict(frozen=True)

    domain: str | None
    facts: list[Fact]
    urls: list[UrlOutcome]
    researched_at: datetime
    from_cache: bool = False
    # `offline` or the model's name; what the extraction cost (zero when from a cache: the
    # caller who did the research is the one who paid).
    extraction: str = "offline"
    usage: Usage = Field(default_factory=Usage)  # the model extraction's (zero offline)

    @property
    def refused(self) -> list[UrlOutcome]:
        return [u for u in self.urls if u.status == "refused"]

    @property
    def degraded(self) -> bool:
        """Nothing was read (every URL refused) or a model extraction failed."""
        fetched = any(u.status == "fetched" for u in self.urls)
        return not fetched or any(u.extraction_error for u in self.urls)

    def cached(self) -> CompanyFacts:
        """This result as a cache hands it out: `from_cache`, nothing spent."""
        return self.model_copy(update={"from_cache": True, "usage": Usage()})


def cache_seconds(result: CompanyFacts, settings: Settings) -> int:
    """How long `result` is kept: `research_cache_seconds`, at most `SHORT_CACHE_SECONDS`
    for a degraded result; 0 (not kept) when the cache is off or the lead named no site."""
    ttl = max(0, settings.research_cache_seconds)
    if result.domain is None:
        return 0
    return min(ttl, SHORT_CACHE_SECONDS) if result.degraded else ttl


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
        return facts.cached()

    def put(self, domain: str, facts: CompanyFacts, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        if domain not in self._entries and len(self._entries) >= self._max:
            del self._entries[next(iter(self._entries))]  # the oldest entry
        self._entries[domain] = (self._clock() + ttl_seconds, facts)

    def forget(self, domain: str) -> None:
        """Drop every entry of `domain` (whatever extracted it)."""
        for key in [k for k in self._entries if k == domain or k.startswith(f"{domain}\n")]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()

    async def shared(
        self,
        domain: str,
        research: Callable[[], Awaitable[CompanyFacts]],
        ttl_seconds: float | Callable[[CompanyFacts], float],
    ) -> CompanyFacts:
        """The result of `research()` for `domain`, run once however many ask at a time.

        The work runs in a task of its own (shielded): a caller cancelled does not cancel
        it for the others, and its result still fills the cache. The others get it
        `from_cache` (the first caller is the one who spent its usage)."""
        key = (id(asyncio.get_running_loop()), domain)
        task = self._pending.get(key)
        if task is not None:
            result = await asyncio.shield(task)
            return result.cached()

        async def run() -> CompanyFacts:
            result = await research()
            ttl = ttl_seconds(result) if callable(ttl_seconds) else ttl_seconds
            self.put(domain, result, ttl)
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
    model: ResolvedModel | None = None,
    search: WebSearch | None = None,
) -> CompanyFacts:
    """Facts from the company's home page and its first about page that answers, extracted
    by `model` when given (and not offline), else offline, and from the configured search
    backend's results on the company's own site (`search`, default from settings); the
    in-memory cache first.

    Never raises for a page: every URL tried is in `urls`, fetched or refused with the
    reason (`private address`, `robots.txt disallows`, `HTTP 404`, ...); a failed model
    extraction falls back to the page's offline facts (`UrlOutcome.extraction_error`)."""
    targets = targets_for(domain_or_lead)
    if targets is None:
        return CompanyFacts(domain=None, facts=[], urls=[], researched_at=datetime.now(UTC))
    cache = PROCESS_CACHE if cache is None else cache
    cached = cache.get(cache_key(targets.domain, model))
    if cached is not None:
        return cached
    return await research_targets(
        targets, settings, client, cache=cache, model=model, search=search
    )


async def search_facts(
    targets: ResearchTargets, search: WebSearch
) -> tuple[list[Fact], UrlOutcome]:
    """Facts from the search backend: what its results on the company's own site (the
    domain or a subdomain) say, one fact per result (its snippet, cleaned and checked like
    a page's text), with the result's URL as the source. Results elsewhere are dropped: a
    third party's page about a company of the same name is not the company speaking. A
    failed search is an outcome (`refused`, `search failed`), never an exception."""
    label = f"search:{search.name}"
    try:
        results = await search.search(f'"{_host(targets.domain)}"', max_results=SEARCH_RESULTS)
    except (httpx.HTTPError, ValueError):
        return [], UrlOutcome(url=label, status="refused", reason="search failed")
    now = datetime.now(UTC)
    facts = [
        fact
        for result in results
        if _on_site(result.url, targets.domain)
        for fact in [_search_fact(result, now)]
        if fact is not None
    ]
    return facts, UrlOutcome(url=label, status="fetched", facts=len(facts))


def _search_fact(result: SearchResult, fetched_at: datetime) -> Fact | None:
    text = clean_text(result.snippet, MAX_FACT_CHARS)
    if not text or looks_like_instructions(text) or looks_like_instructions(result.title):
        return None
    return Fact(
        id=fact_id(result.url, "search", text),
        kind="search",
        text=text,
        source_url=result.url,
        quote=clean_text(result.snippet, MAX_QUOTE_CHARS),
        fetched_at=fetched_at,
    )


def _host(domain: str) -> str:
    return domain.split(":", 1)[0].removeprefix("www.")


def _on_site(url: str, domain: str) -> bool:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    site = _host(domain)
    scheme_ok = url.lower().startswith(("https://", "http://"))
    return scheme_ok and (host == site or host.endswith("." + site))


def cache_key(domain: str, model: ResolvedModel | None) -> str:
    """In-memory entries are per domain and extractor: offline facts do not answer for a
    model's, nor one model's for another's."""
    name = extraction_name(model)
    return domain if name == "offline" else f"{domain}\n{name}"


async def research_targets(
    targets: ResearchTargets,
    settings: Settings,
    client: httpx.AsyncClient | None = None,
    *,
    cache: ResearchCache | None = None,
    model: ResolvedModel | None = None,
    stored: Callable[[], Awaitable[CompanyFacts | None]] | None = None,
    then: Callable[[CompanyFacts], Awaitable[None]] | None = None,
    search: WebSearch | None = None,
) -> CompanyFacts:
    """Research `targets` now (no read of this process's cache), shared with the concurrent
    callers of this process for the same domain and extractor (they get the result
    `from_cache`, zero usage).

    Inside the shared work, `stored()` runs first: a result it gives (the database cache's
    row) is used instead of researching. Looked up there, not before, a caller that arrives
    just after another's research stored its row reads that row: it cannot have missed the
    row and then also missed the research under way. `then(result)` runs once after a
    research, before anyone gets the result: a caller cancelled meanwhile does not stop it
    (the database cache stores through it)."""
    cache = PROCESS_CACHE if cache is None else cache
    search = search if search is not None else web_search_from_settings(settings)

    async def research() -> CompanyFacts:
        if stored is not None and (found := await stored()) is not None:
            return found
        if client is not None:
            result = await _research(targets, settings, client, model, search)
        else:
            async with httpx.AsyncClient(
                timeout=settings.research_timeout_seconds, trust_env=False
            ) as own:
                result = await _research(targets, settings, own, model, search)
        if then is not None:
            await then(result)
        return result

    return await cache.shared(
        cache_key(targets.domain, model), research, lambda r: cache_seconds(r, settings)
    )


async def _research(
    targets: ResearchTargets,
    settings: Settings,
    client: httpx.AsyncClient,
    model: ResolvedModel | None,
    search: WebSearch | None,
) -> CompanyFacts:
    facts: list[Fact] = []
    seen: set[str] = set()
    outcomes: list[UrlOutcome] = []
    fetched_urls: set[str] = set()
    spent = Usage()

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
        error: str | None = None
        try:
            found, usage = await page_facts(
                page.html, source_url=page.url, fetched_at=page.fetched_at, model=model
            )
            spent.add(usage)
        except (LLMError, ModelAPIError, UnexpectedModelBehavior) as exc:
            error = exc.code if isinstance(exc, LLMError) else to_llm_error(exc).code
            found = extract_facts(page.html, source_url=page.url, fetched_at=page.fetched_at)
        added = 0
        for fact in found:
            if fact.text.lower() not in seen and len(facts) < MAX_FACTS:
                seen.add(fact.text.lower())
                facts.append(fact)
                added += 1
        outcomes.append(
            UrlOutcome(
                url=url, status="fetched", final_url=page.url, facts=added, extraction_error=error
            )
        )
        return True

    await visit(targets.home_url)
    for about in targets.about_urls:
        if await visit(about):
            break
    if search is not None:
        found, outcome = await search_facts(targets, search)
        fresh = [f for f in found if f.text.lower() not in seen][: max(0, MAX_FACTS - len(facts))]
        facts += fresh
        outcomes.append(outcome.model_copy(update={"facts": len(fresh)}))
        if outcome.status == "fetched":  # the backend answered: the call is billed
            spent.add(Usage(cost_usd=search.price_usd))
    return CompanyFacts(
        domain=targets.domain,
        facts=facts,
        urls=outcomes,
        researched_at=datetime.now(UTC),
        extraction=extraction_name(model),
        usage=spent,
    )
