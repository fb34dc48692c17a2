"""company_facts: the database cache of company research, on both databases, against the
local test site (whose request log proves what was fetched)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.usage import RequestUsage
from sqlalchemy import text

from coldcraft.companies.repository import CompanyResearchRepository
from coldcraft.companies.service import Researched, company_facts, forget, purge_expired
from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel
from coldcraft.llm.structured import OUTPUT_TOOL
from coldcraft.llm.usage import Usage
from coldcraft.research.service import SHORT_CACHE_SECONDS, ResearchCache
from coldcraft.skeletons.schema import Lead
from coldcraft.store.models import CompanyResearch
from coldcraft.store.session import SessionMaker, reading, unit_of_work
from tests.research.conftest import Site

HOME = """<html><head><title>Acme Anvils</title>
<meta name="description" content="Anvils for road runners since 1949.">
</head><body><h1>The anvil company</h1><p>Ten thousand anvils a year, made in Tucson.</p>
</body></html>"""
ABOUT = "<html><head><title>About Acme</title></head><body><h1>About us</h1></body></html>"


@pytest.fixture
def research(settings: Settings) -> Settings:
    """The suite's settings (its database) with the test site allowed."""
    return settings.model_copy(update={"research_allow_loopback": True})


@pytest.fixture
def acme(site: Site) -> Site:
    site.html("/", HOME)
    site.html("/about", ABOUT)
    return site


async def rows(sessions: SessionMaker) -> list[CompanyResearch]:
    async with reading(sessions) as session:
        repo = CompanyResearchRepository(session)
        return list(await repo.all(repo.select()))


async def expire(sessions: SessionMaker, domain: str) -> None:
    async with unit_of_work(sessions) as session:
        await session.execute(
            text("UPDATE company_research SET expires_at = :past WHERE domain = :domain"),
            {"past": datetime.now(UTC) - timedelta(seconds=1), "domain": domain},
        )


async def test_a_restarted_worker_reads_the_stored_research(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    first = await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())
    asked = len(acme.requests)
    assert asked > 0
    assert not first.facts.from_cache

    (row,) = await rows(sessionmaker)
    assert row.domain == "127.0.0.1"
    assert row.extraction == "offline"
    assert row.result["facts"][0]["source_url"] == acme.url("/")
    assert {"quote", "fetched_at"} <= set(row.result["facts"][0])
    assert "from_cache" not in row.result
    hours = (row.expires_at - datetime.now(UTC)).total_seconds() / 3600
    assert 7 * 24 - 1 < hours <= 7 * 24

    # A new process: nothing in memory, the row answers and the site is not asked again.
    second = await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())
    assert len(acme.requests) == asked
    assert second.facts.from_cache
    assert second.usage.total_tokens == 0
    assert second.facts.facts == first.facts.facts
    assert second.facts.urls == first.facts.urls
    assert second.facts.researched_at == first.facts.researched_at


async def test_an_expired_row_is_researched_again(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())
    await expire(sessionmaker, "127.0.0.1")
    asked = len(acme.requests)

    again = await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())

    assert not again.facts.from_cache
    assert acme.paths()[asked:].count("/") == 1
    (row,) = await rows(sessionmaker)
    assert row.expires_at > datetime.now(UTC) + timedelta(days=6)
    assert await purge_expired(sessionmaker) == 0


async def test_cache_seconds_zero_stores_and_reads_nothing(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    off = research.model_copy(update={"research_cache_seconds": 0})
    await company_facts(sessionmaker, acme.origin, off, cache=ResearchCache())
    assert await rows(sessionmaker) == []
    asked = len(acme.requests)

    again = await company_facts(sessionmaker, acme.origin, off, cache=ResearchCache())

    assert not again.facts.from_cache
    assert len(acme.requests) > asked


async def test_a_free_mail_lead_stores_nothing(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    result = await company_facts(sessionmaker, Lead(email="ann@gmail.com"), research)

    assert result.facts.domain is None
    assert result.facts.facts == []
    assert acme.requests == []
    assert await rows(sessionmaker) == []


async def test_a_lead_is_looked_up_by_its_website(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())
    lead = Lead(email="ann@gmail.com", custom_fields={"website": f"{acme.origin}/en"})

    result = await company_facts(sessionmaker, lead, research, cache=ResearchCache())

    assert result.facts.from_cache
    assert result.facts.facts[0].text == "Acme Anvils"


async def test_concurrent_calls_for_one_domain_do_not_fail(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    """Five callers in one process share one fetch; two more stand for other workers (their
    own in-process caches): they research too, and every upsert succeeds, the last wins."""
    acme.routes["/"].delay = 0.3
    shared = ResearchCache()
    calls = [company_facts(sessionmaker, acme.origin, research, cache=shared) for _ in range(5)]
    calls += [
        company_facts(sessionmaker, acme.origin, research, cache=ResearchCache()) for _ in range(2)
    ]

    results = await asyncio.gather(*calls)

    assert acme.paths().count("/") == 3  # one per "worker"
    assert sorted(r.facts.from_cache for r in results[:5]) == [False, True, True, True, True]
    ids = [f.id for f in results[0].facts.facts]
    assert ids
    assert all([f.id for f in r.facts.facts] == ids for r in results)  # fetched_at may differ
    assert sum(r.usage.requests for r in results) == 0  # offline
    (row,) = await rows(sessionmaker)
    assert [f["id"] for f in row.result["facts"]] == ids


async def test_a_caller_arriving_as_a_research_ends_reads_its_row(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    """Callers of one process arriving all through another's research and just after it
    (the moment its row is stored and its shared work ends) never research again: the row
    is read inside the shared work, so no caller can miss both the row and the research."""
    acme.routes["/"].delay = 0.05
    shared = ResearchCache()

    async def later(seconds: float) -> Researched:
        await asyncio.sleep(seconds)
        return await company_facts(sessionmaker, acme.origin, research, cache=shared)

    results = await asyncio.gather(*(later(i * 0.001) for i in range(120)))

    assert acme.paths().count("/") == 1
    assert [r.facts.from_cache for r in results].count(False) == 1
    assert len(await rows(sessionmaker)) == 1


async def test_a_site_that_refuses_everything_is_stored_for_an_hour(
    sessionmaker: SessionMaker, settings: Settings, acme: Site
) -> None:
    result = await company_facts(sessionmaker, acme.origin, settings, cache=ResearchCache())

    assert {u.reason for u in result.facts.urls} == {"private address"}  # loopback refused
    (row,) = await rows(sessionmaker)
    seconds = (row.expires_at - datetime.now(UTC)).total_seconds()
    assert SHORT_CACHE_SECONDS - 60 < seconds <= SHORT_CACHE_SECONDS
    again = await company_facts(sessionmaker, acme.origin, settings, cache=ResearchCache())
    assert again.facts.from_cache
    assert again.facts.refused == result.facts.refused


def scripted_model() -> tuple[ResolvedModel, list[int]]:
    calls: list[int] = []

    def answer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        calls.append(1)
        fact = {
            "text": "Acme makes ten thousand anvils a year in Tucson.",
            "quote": "Ten thousand anvils a year, made in Tucson.",
        }
        part = ToolCallPart(OUTPUT_TOOL, {"facts": [fact]}, tool_call_id="c1")
        return ModelResponse(parts=[part], usage=RequestUsage(input_tokens=900, output_tokens=80))

    model = FunctionModel(answer)
    return ResolvedModel(model, name="function:facts", provider="test", reason=""), calls


async def test_a_model_s_research_is_stored_with_its_usage_and_paid_once(
    sessionmaker: SessionMaker, research: Settings, acme: Site
) -> None:
    model, calls = scripted_model()

    first = await company_facts(
        sessionmaker, acme.origin, research, model=model, cache=ResearchCache()
    )
    second = await company_facts(
        sessionmaker, acme.origin, research, model=model, cache=ResearchCache()
    )

    assert [f.kind for f in first.facts.facts] == ["extracted"]
    assert (first.usage.input_tokens, first.usage.output_tokens) == (1800, 160)  # two pages
    assert first.facts.usage == Usage(input_tokens=1800, output_tokens=160, requests=2)
    assert second.facts.from_cache
    assert second.usage.total_tokens == 0
    assert second.facts.extraction == "function:facts"
    assert len(calls) == 2
    (row,) = await rows(sessionmaker)
    assert (row.extraction, row.usage["input_tokens"]) == ("function:facts", 1800)

    # Another extractor does not take the model's facts for its own: researched, overwritten.
    offline = await company_facts(sessionmaker, acme.origin, research, cache=ResearchCache())
    assert not offline.facts.from_cache
    assert offline.facts.facts[0].kind == "title"
    (row,) = await rows(sessionmaker)
    assert row.extraction == "offline"


async def test_forget_and_purge(sessionmaker: SessionMaker, research: Settings, acme: Site) -> None:
    cache = ResearchCache()
    await company_facts(sessionmaker, acme.origin, research, cache=cache)
    assert await forget(sessionmaker, acme.origin, cache=cache)
    assert await rows(sessionmaker) == []
    assert not await forget(sessionmaker, acme.origin)

    await company_facts(sessionmaker, acme.origin, research, cache=cache)
    await expire(sessionmaker, "127.0.0.1")
    assert await purge_expired(sessionmaker) == 1
    assert await rows(sessionmaker) == []
