"""generate-examples: the request checks, in the contract's order, before any run starts."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from coldcraft.store.models import Campaign
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.examples import generate, leads
from tests.fixtures.factories import Account
from tests.fixtures.runs import create_chat_session, read_chat_session, wait_for_run

NO_FRAMEWORK = "Session has no framework yet. Chat first to create one."


async def test_session_without_skeleton_returns_400_no_framework(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    chat = await create_chat_session(api, sessionmaker, account, skeleton=None)
    response = await generate(api, chat["id"], {"leads": leads("Ada")})
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "no_framework", "message": NO_FRAMEWORK}
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None


async def test_unknown_session_returns_404(api: httpx.AsyncClient) -> None:
    response = await generate(api, str(uuid.uuid4()), {"leads": leads("Ada")})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Session not found"


async def test_another_accounts_session_returns_404(
    client: httpx.AsyncClient, other_account: Account, chat: dict[str, Any]
) -> None:
    response = await generate(
        client, chat["id"], {"leads": leads("Ada")}, headers=other_account.headers
    )
    assert response.status_code == 404


async def test_campaign_alias_starts_a_run_for_a_session_of_that_campaign(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    url = f"/api/campaigns/{chat['campaign']['id']}/ai-chat-sessions/{chat['id']}/generate-examples"
    response = await api.post(url, json={"leads": leads("Ada")})
    assert response.status_code == 202, response.text
    await wait_for_run(sessionmaker, response.json()["runId"])


async def test_campaign_alias_with_another_campaign_returns_404(
    api: httpx.AsyncClient, chat: dict[str, Any]
) -> None:
    url = f"/api/campaigns/{uuid.uuid4()}/ai-chat-sessions/{chat['id']}/generate-examples"
    response = await api.post(url, json={"leads": leads("Ada")})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Session not found"


async def test_non_draft_campaign_returns_400_wrong_status(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, chat: dict[str, Any]
) -> None:
    async with unit_of_work(sessionmaker) as session:
        campaign = await session.get(Campaign, uuid.UUID(chat["campaign"]["id"]))
        assert campaign is not None
        campaign.status = "active"
    response = await generate(api, chat["id"], {"leads": leads("Ada")})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "wrong_status"
    assert (await read_chat_session(sessionmaker, chat["id"])).task_status is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"leads": []}, "leads"),
        ({}, "leads"),
        ({"leads": leads(*[f"L{i}" for i in range(51)])}, "leads"),
        ({"leads": leads("Ada"), "extra": 1}, "extra"),
        ({"leads": [{"first_name": "Ada", "nickname": "A"}]}, "leads[0].nickname"),
        ({"leads": [{"first_name": "x" * 201}]}, "leads[0].first_name"),
        ({"leads": [{"company": "x" * 501}]}, "leads[0].company"),
        (
            {"leads": [{"email": "a@b.co", "custom_fields": {"k" * 65: 1}}]},
            "leads[0].custom_fields",
        ),
        ({"leads": leads("Ada"), "isFirstBatch": "maybe"}, "isFirstBatch"),
        ({"leads": leads("Ada"), "sequenceContext": {"position": "first"}}, None),
    ],
)
async def test_invalid_bodies_return_400(
    api: httpx.AsyncClient, chat: dict[str, Any], body: dict[str, Any], field: str | None
) -> None:
    response = await generate(api, chat["id"], body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    if field is not None:
        assert any(d["field"].startswith(field) for d in error["details"]), error


async def test_a_lead_with_nothing_to_identify_it_returns_400_naming_its_index(
    api: httpx.AsyncClient, chat: dict[str, Any]
) -> None:
    body = {"leads": [*leads("Ada"), {"position": "CTO", "headline": "Builds things"}]}
    response = await generate(api, chat["id"], body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"][0]["field"] == "leads[1]"
    assert "leads[1]" in error["message"]


async def test_the_same_lead_twice_returns_400(
    api: httpx.AsyncClient, chat: dict[str, Any]
) -> None:
    body = {"leads": [{"email": "ada@x.io"}, {"email": "ADA@x.io", "first_name": "Ada"}]}
    response = await generate(api, chat["id"], body)
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "leads[1]"
