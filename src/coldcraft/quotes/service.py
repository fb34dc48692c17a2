"""Quotes: what a chat turn, generate-examples, generate_ai or regenerate would spend, from
the configured model's list prices and the run limits, without starting anything."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.access import get_owned
from coldcraft.config import Settings
from coldcraft.errors import InvalidRequest
from coldcraft.llm.models import Role, choose_spec
from coldcraft.llm.search import web_search_from_settings
from coldcraft.messages.generate import generate_ai_service
from coldcraft.messages.repository import Selection
from coldcraft.messages.spend import (
    PAGES_PER_COMPANY,
    list_price,
    research_price_per_lead,
    spend_service,
)
from coldcraft.quotes.schemas import Quote, QuoteRequest, ResearchQuote, Span, SpendLeft
from coldcraft.sequences.service import sequence_service
from coldcraft.store.models import Campaign, User

# Seconds one model request takes: a hosted model, and the offline stand-in.
PROVIDER_LATENCY = (1.5, 8.0)
OFFLINE_LATENCY = (0.0, 0.05)
WRITER_REQUESTS_PER_LEAD = (1, 2)  # the write, and a repair when the judge fails it


@dataclass(frozen=True)
class Work:
    role: Role
    items: int
    requests: tuple[int, int]
    parallel: int  # requests in flight at once


class QuoteService:
    async def preview(
        self, session: AsyncSession, user: User, data: QuoteRequest, *, settings: Settings
    ) -> Quote:
        campaign = await get_owned(session, user, data.campaign_id)
        work = await self._work(session, campaign, data, settings)
        spec, _ = choose_spec(work.role, settings)
        per_request = list_price(work.role, settings)
        low, high = work.requests
        research = _research(work, settings) if campaign.research else None
        extra = research.cost_usd if research is not None else Span(min=0, max=0)
        cost = Span(
            min=round(low * per_request + extra.min, 6),
            max=round(high * per_request + extra.max, 6),
        )
        spend = await self._spend(session, user, work, cost, settings)
        return Quote(
            action=data.action,
            model=spec.name,
            items=work.items,
            requests=Span(min=low, max=high),
            cost_usd=cost,
            duration_seconds=_duration(work, spec.provider == "offline", settings),
            sufficient=spend is None or cost.max <= spend.remaining_usd,
            spend=spend,
            research=research,
        )

    async def _work(
        self, session: AsyncSession, campaign: Campaign, data: QuoteRequest, settings: Settings
    ) -> Work:
        if data.node_id is not None:  # named: it must be this campaign's (404 otherwise)
            await sequence_service.get_node(session, campaign.id, data.node_id)
        if data.action == "chat_turn":  # one turn: the agent's calls, up to the turn limit
            return Work("chat", 1, (1, max(1, settings.turn_request_limit)), 1)
        items = await self._leads(session, campaign, data)
        low, high = WRITER_REQUESTS_PER_LEAD
        parallel = max(1, min(settings.run_concurrency, settings.provider_max_in_flight))
        return Work("writer", items, (items * low, items * high), parallel)

    async def _leads(self, session: AsyncSession, campaign: Campaign, data: QuoteRequest) -> int:
        if data.action == "generate_examples":
            return data.count or 0
        if data.action == "generate_ai":
            assert data.node_id is not None  # the request model requires it
            node = await sequence_service.get_node(session, campaign.id, data.node_id)
            if node.type != "ai":
                raise InvalidRequest(f"Sequence node {node.id} is a {node.type} node, not ai")
            return await generate_ai_service.count_to_write(session, campaign, node)
        selection = Selection(data.message_ids, data.filter)
        _, prospects = await generate_ai_service.regeneration(
            session, campaign, selection, include_edited=data.include_edited
        )
        return len(prospects)

    async def _spend(
        self, session: AsyncSession, user: User, work: Work, cost: Span, settings: Settings
    ) -> SpendLeft | None:
        check = await spend_service.assess(session, user, prospects=0, settings=settings)
        if check is None:
            return None
        left = check.cap_usd - check.spent_usd - check.in_flight_usd
        return SpendLeft(
            cap_usd=check.cap_usd,
            spent_usd=round(check.spent_usd, 6),
            in_flight_usd=round(check.in_flight_usd, 6),
            remaining_usd=round(max(0.0, left), 6),
        )


def _research(work: Work, settings: Settings) -> ResearchQuote | None:
    """What researching the leads' companies may add: from nothing (every company already
    in the cache, or offline) to one extraction per page of every lead's company."""
    if work.role != "writer":  # a chat turn researches nothing
        return None
    spec, _ = choose_spec("research", settings)
    most = work.items * PAGES_PER_COMPANY if spec.provider != "offline" else 0
    searches = work.items if web_search_from_settings(settings) is not None else 0
    top = work.items * research_price_per_lead(settings)
    return ResearchQuote(
        model=spec.name,
        requests=Span(min=0, max=most),
        search_calls=Span(min=0, max=searches),
        cost_usd=Span(min=0, max=round(top, 6)),
    )


def _duration(work: Work, offline: bool, settings: Settings) -> Span:
    """Rounds of `parallel` requests at the model's latency, or the provider's
    requests-per-minute limit when that is slower."""
    fast, slow = OFFLINE_LATENCY if offline else PROVIDER_LATENCY
    low, high = work.requests
    span = [math.ceil(n / work.parallel) * latency for n, latency in ((low, fast), (high, slow))]
    rpm = settings.provider_requests_per_minute
    if rpm > 0:
        span = [max(seconds, n * 60 / rpm) for seconds, n in zip(span, (low, high), strict=True)]
    return Span(min=round(span[0], 2), max=round(span[1], 2))


quote_service = QuoteService()
