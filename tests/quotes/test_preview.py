"""The quote: requests, cost and duration ranges and the spend cap's verdict, before anything
starts (POST /api/credits/preview)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from coldcraft.config import Settings
from coldcraft.messages.spend import research_price_per_lead, spend_service
from coldcraft.quotes.schemas import QuoteRequest
from coldcraft.quotes.service import quote_service
from coldcraft.store.models import Run
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.messages import OutboxCampaign, outbox_campaign

PREVIEW = "/api/credits/preview"


async def quote(api: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    response = await api.post(PREVIEW, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def runs(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(Run))).scalar_one())


@pytest.fixture
async def box(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> OutboxCampaign:
    return await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)


async def test_each_action_is_quoted_and_nothing_starts(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, box: OutboxCampaign
) -> None:
    before = await runs(sessionmaker)
    ai = await quote(api, action="generate_ai", campaign_id=box.id, node_id=box.ai_node_id)
    assert (ai["model"], ai["items"]) == ("offline", 3)
    assert ai["requests"] == {"min": 3, "max": 6}  # a repair per lead at most
    assert ai["cost_usd"] == {"min": 0.0, "max": 0.0}  # the offline model costs nothing
    assert (ai["sufficient"], ai["spend"]) == (True, None)  # no cap configured
    examples = await quote(api, action="generate_examples", campaign_id=box.id, count=5)
    assert examples["requests"] == {"min": 5, "max": 10}
    turn = await quote(api, action="chat_turn", campaign_id=box.id)
    assert (turn["items"], turn["requests"]) == (1, {"min": 1, "max": 12})
    assert await runs(sessionmaker) == before


async def test_regenerate_is_quoted_for_its_selection(
    api: httpx.AsyncClient, box: OutboxCampaign
) -> None:
    await api.post(box.path, json={"action": "resolve"})
    nothing = await api.post(
        PREVIEW,
        json={"action": "regenerate", "campaign_id": box.id, "filter": {"node_id": box.ai_node_id}},
    )
    assert nothing.status_code == 400  # no AI draft written yet
    assert nothing.json()["error"]["message"].startswith("Nothing to regenerate")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "generate_ai"}, "generate_ai: give node_id"),
        ({"action": "generate_examples"}, "generate_examples: give count"),
        ({"action": "regenerate"}, "regenerate: give message_ids or a filter"),
        ({"action": "launch"}, "action"),
    ],
)
async def test_what_each_action_needs_is_checked(
    api: httpx.AsyncClient, box: OutboxCampaign, body: dict[str, Any], message: str
) -> None:
    response = await api.post(PREVIEW, json={"campaign_id": box.id, **body})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


async def test_another_accounts_campaign_is_not_found(api: httpx.AsyncClient) -> None:
    response = await api.post(
        PREVIEW, json={"action": "chat_turn", "campaign_id": str(uuid.uuid4())}
    )
    assert response.status_code == 404


async def test_a_priced_model_and_a_tight_cap(
    sessionmaker: SessionMaker, account: Account, box: OutboxCampaign, settings: Settings
) -> None:
    """With a model that has list prices, the cost is a real range, its duration follows
    the run's concurrency, and a cap it would break makes it insufficient."""
    priced = settings.model_copy(
        update={"writer_model": "anthropic:claude-haiku-4-5", "spend_cap_usd_per_month": 0.001}
    )
    request = QuoteRequest(
        action="generate_ai", campaign_id=uuid.UUID(box.id), node_id=uuid.UUID(box.ai_node_id)
    )
    async with unit_of_work(sessionmaker) as session:
        answer = await quote_service.preview(session, account.user, request, settings=priced)
    assert answer.model == "anthropic:claude-haiku-4-5"
    assert 0 < answer.cost_usd.min < answer.cost_usd.max
    assert answer.duration_seconds.min > 0
    assert answer.spend is not None
    assert answer.spend.remaining_usd == pytest.approx(0.001)
    assert answer.sufficient is False


async def test_research_is_in_the_quote_when_the_campaign_researches(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    box: OutboxCampaign,
    settings: Settings,
) -> None:
    body = {"action": "generate_ai", "campaign_id": box.id, "node_id": box.ai_node_id}
    assert (await quote(api, **body))["research"] is None  # research is off by default
    await api.patch(f"/api/campaigns/{box.id}", json={"research": True})
    offline = (await quote(api, **body))["research"]
    assert offline == {
        "model": "offline",
        "requests": {"min": 0, "max": 0},
        "search_calls": {"min": 0, "max": 0},
        "cost_usd": {"min": 0.0, "max": 0.0},
    }
    priced = settings.model_copy(update={"writer_model": "anthropic:claude-haiku-4-5"})
    request = QuoteRequest.model_validate(body)
    async with unit_of_work(sessionmaker) as session:
        answer = await quote_service.preview(session, account.user, request, settings=priced)
        plain = answer.cost_usd.max - (answer.research.cost_usd.max if answer.research else 0)
    assert answer.research is not None
    assert answer.research.model == "anthropic:claude-haiku-4-5"  # research follows the writer
    assert answer.research.requests.max == 3 * 2  # 3 leads, two pages each at most
    assert answer.research.cost_usd.min == 0.0  # every company may be cached already
    assert 0 < answer.research.cost_usd.max
    assert answer.cost_usd.max == pytest.approx(plain + answer.research.cost_usd.max)


async def test_a_search_backend_prices_one_call_per_company_even_offline(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    box: OutboxCampaign,
    settings: Settings,
) -> None:
    await api.patch(f"/api/campaigns/{box.id}", json={"research": True})
    searching = settings.model_copy(
        update={"search_provider": "tavily", "search_api_key": SecretStr("tvly")}
    )
    body = {"action": "generate_ai", "campaign_id": box.id, "node_id": box.ai_node_id}
    request = QuoteRequest.model_validate(body)
    async with unit_of_work(sessionmaker) as session:
        answer = await quote_service.preview(session, account.user, request, settings=searching)
    assert answer.research is not None
    assert answer.research.requests.max == 0  # offline extraction: no model request
    assert answer.research.search_calls.max == 3  # one per company
    assert answer.research.cost_usd.max == pytest.approx(3 * 0.008)  # Tavily, 3 companies
    assert answer.cost_usd.max == pytest.approx(answer.research.cost_usd.max)  # offline writer


async def test_the_spend_cap_counts_research_for_a_researching_campaign(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    box: OutboxCampaign,
    settings: Settings,
) -> None:
    priced = settings.model_copy(
        update={"writer_model": "anthropic:claude-haiku-4-5", "spend_cap_usd_per_month": 100.0}
    )
    async with unit_of_work(sessionmaker) as session:
        plain = await spend_service.assess(session, account.user, prospects=3, settings=priced)
        researched = await spend_service.assess(
            session, account.user, prospects=3, settings=priced, research=True
        )
    assert plain is not None
    assert researched is not None
    extra = researched.per_lead_usd - plain.per_lead_usd
    assert extra == pytest.approx(research_price_per_lead(priced))
    assert extra > 0
