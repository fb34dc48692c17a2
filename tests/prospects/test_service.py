"""The service functions other domains call, and the pure identity rules."""

from __future__ import annotations

import uuid

import httpx
import pytest

from coldcraft.prospects.schemas import ProspectIn
from coldcraft.prospects.service import (
    RowError,
    build_row,
    linkedin_identity,
    normalise_email,
    normalise_linkedin_url,
    prospect_service,
)
from coldcraft.store.session import SessionMaker
from tests.fixtures.prospects import add_leads, create_campaign, lead


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe",
        "https://www.linkedin.com/in/jane-doe/",
        "http://WWW.LinkedIn.com/in/jane-doe/?utm_source=x#about",
        "www.linkedin.com/in/jane-doe//",
    ],
)
def test_linkedin_urls_normalise_to_https_without_query_or_trailing_slash(url: str) -> None:
    assert normalise_linkedin_url(url) == "https://www.linkedin.com/in/jane-doe"


def test_linkedin_identity_ignores_case_and_www() -> None:
    a = linkedin_identity(normalise_linkedin_url("https://linkedin.com/in/Jane-Doe"))
    b = linkedin_identity(normalise_linkedin_url("https://www.linkedin.com/in/jane-doe/"))
    assert a == b == "linkedin.com/in/jane-doe"


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "ftp://linkedin.com/in/x",
        "https://localhost/x",
        "https://linkedin.com:port/in/x",
        "https://[linkedin.com/in/x",
        "linkedin.com/in/" + "x" * 490,
    ],
)
def test_malformed_linkedin_urls_are_rejected(url: str) -> None:
    with pytest.raises(RowError, match="linkedin_url is"):
        normalise_linkedin_url(url)


@pytest.mark.parametrize("email", ["plain", "a@b", "a b@c.io", "@c.io", "a@@c.io"])
def test_malformed_emails_are_rejected(email: str) -> None:
    with pytest.raises(RowError, match="email is not a valid email address"):
        normalise_email(email)


def test_build_row_lower_cases_email_and_derives_name() -> None:
    row = build_row(ProspectIn(email=" Ann@Example.COM ", first_name="Ann"), "email")
    assert row["email"] == row["identity_key"] == "ann@example.com"
    assert row["name"] == "Ann"


def test_build_row_requires_the_identity_field() -> None:
    with pytest.raises(RowError, match="linkedin_url is required"):
        build_row(ProspectIn(email="a@x.io"), "linkedin_url")


async def _campaign_with_leads(api: httpx.AsyncClient, n: int) -> uuid.UUID:
    campaign_id = await create_campaign(api)
    await add_leads(api, campaign_id, [lead(i) for i in range(n)])
    return uuid.UUID(campaign_id)


async def test_sample_returns_the_first_prospects_in_import_order(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await _campaign_with_leads(api, 7)
    async with sessionmaker() as session:
        sample = await prospect_service.sample(session, campaign_id)
        assert [p.email for p in sample] == [f"lead{i}@example.com" for i in range(5)]
        assert len(await prospect_service.sample(session, campaign_id, limit=2)) == 2
        assert await prospect_service.count(session, campaign_id) == 7
        assert await prospect_service.counts_by_status(session, campaign_id) == {"pending": 7}


async def test_to_lead_maps_every_field(api: httpx.AsyncClient, sessionmaker: SessionMaker) -> None:
    campaign_id = await create_campaign(api)
    extra = {"position": "CTO", "headline": "Builds things", "custom_fields": {"tier": 1}}
    await add_leads(api, campaign_id, [lead(1, name="Dr Ann", **extra)])
    async with sessionmaker() as session:
        (prospect,) = await prospect_service.sample(session, uuid.UUID(campaign_id))
    result = prospect_service.to_lead(prospect)
    assert result.id == str(prospect.id)
    assert (result.full_name, result.first_name, result.last_name) == ("Dr Ann", "First1", "Last1")
    assert (result.email, result.company, result.position) == (
        "lead1@example.com",
        "Company 1",
        "CTO",
    )
    assert result.headline == "Builds things"
    assert result.custom_fields == {"tier": 1}


async def test_iter_ids_yields_every_id_once_in_listing_order(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await _campaign_with_leads(api, 7)
    async with sessionmaker() as session:
        batches = [b async for b in prospect_service.iter_ids(session, campaign_id, batch_size=3)]
        listed = [p.id for p in await prospect_service.sample(session, campaign_id, limit=10)]
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [i for b in batches for i in b] == listed


async def test_iter_ids_with_prospect_ids_keeps_only_the_campaigns_own(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await _campaign_with_leads(api, 4)
    other_id = await _campaign_with_leads(api, 1)
    async with sessionmaker() as session:
        ids = [p.id for p in await prospect_service.sample(session, campaign_id)]
        (foreign,) = [p.id for p in await prospect_service.sample(session, other_id)]
        wanted = [ids[3], foreign, ids[1], uuid.uuid4()]
        batches = [
            b
            async for b in prospect_service.iter_ids(
                session, campaign_id, prospect_ids=wanted, batch_size=1
            )
        ]
    assert batches == [[ids[1]], [ids[3]]]


async def test_get_many_keeps_the_requested_order_and_skips_foreign_ids(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await _campaign_with_leads(api, 3)
    other_id = await _campaign_with_leads(api, 1)
    async with sessionmaker() as session:
        ids = [p.id for p in await prospect_service.sample(session, campaign_id)]
        (foreign,) = [p.id for p in await prospect_service.sample(session, other_id)]
        found = await prospect_service.get_many(session, campaign_id, [ids[2], foreign, ids[0]])
        assert [p.id for p in found] == [ids[2], ids[0]]
        assert await prospect_service.get_many(session, campaign_id, []) == []


async def test_iter_ids_and_get_many_accept_more_ids_than_one_query_can_bind(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign_id = await _campaign_with_leads(api, 3)
    async with sessionmaker() as session:
        ids = [p.id for p in await prospect_service.sample(session, campaign_id)]
        wanted = [uuid.uuid4() for _ in range(40_000)] + ids[::-1]
        batches = [
            b async for b in prospect_service.iter_ids(session, campaign_id, prospect_ids=wanted)
        ]
        found = await prospect_service.get_many(session, campaign_id, wanted)
    assert batches == [ids]
    assert [p.id for p in found] == ids[::-1]
