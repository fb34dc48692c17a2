from __future__ import annotations

import uuid

import httpx

from coldcraft.campaigns.access import get_owned
from coldcraft.senders.service import sender_service
from coldcraft.skeletons.schema import Sender
from coldcraft.store.session import SessionMaker
from tests.fixtures.campaigns import create_campaign, create_sender
from tests.fixtures.factories import Account


async def test_campaign_sender_is_the_first_sender_account(
    api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    first = await create_sender(api, first_name="Ann", display_name="Ann from Acme")
    second = await create_sender(api, first_name="Bob", email_address="bob@acme.example")
    campaign = await create_campaign(api, sender_account_ids=[first["id"], second["id"]])
    async with sessionmaker() as session:
        row = await get_owned(session, account.user, uuid.UUID(campaign["id"]))
        sender = await sender_service.campaign_sender(session, row)
    assert sender == Sender(
        first_name="Ann",
        last_name="Seller",
        email="sam@seller.example",
        display_name="Ann from Acme",
    )


async def test_campaign_without_senders_has_none(
    api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    campaign = await create_campaign(api)
    async with sessionmaker() as session:
        row = await get_owned(session, account.user, uuid.UUID(campaign["id"]))
        assert await sender_service.campaign_sender(session, row) is None
