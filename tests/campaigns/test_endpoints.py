from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from coldcraft.runs.tokens import new_run_id
from coldcraft.store.models import Run
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import create_campaign, create_sender
from tests.fixtures.factories import Account

CAMPAIGN_FIELDS = {
    "id", "user_id", "type", "name", "status", "signature", "daily_limit",
    "sender_account_ids", "review_policy", "research", "created_at", "updated_at",
}  # fmt: skip
NODE_FIELDS = {
    "id", "campaign_id", "position", "type", "subject", "body", "delay_days",
    "delay_hours", "delay_minutes", "ai_node",
}  # fmt: skip


def _shape(nodes: list[dict[str, Any]]) -> list[tuple[int, str, Any, Any]]:
    return [(n["position"], n["type"], n["subject"], n["body"]) for n in nodes]


async def test_email_campaign_is_a_draft_with_email_then_end(
    api: httpx.AsyncClient, account: Account
) -> None:
    response = await api.post("/api/campaigns", json={"type": "email", "name": "Q4 outreach"})
    assert response.status_code == 201
    campaign = response.json()["campaign"]
    assert set(campaign) == CAMPAIGN_FIELDS | {"sequence_nodes"}
    assert campaign["status"] == "draft"
    assert campaign["user_id"] == str(account.user.id)
    assert campaign["sender_account_ids"] == []
    assert _shape(campaign["sequence_nodes"]) == [(0, "email", "", ""), (1, "end", None, None)]
    assert set(campaign["sequence_nodes"][0]) == NODE_FIELDS


async def test_linkedin_campaign_starts_with_a_connection_request(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, type="linkedin")
    types = [(n["position"], n["type"]) for n in campaign["sequence_nodes"]]
    assert types == [(0, "connection_request"), (1, "end")]


async def test_duplicate_name_for_the_same_account_is_409(api: httpx.AsyncClient) -> None:
    await create_campaign(api, name="Same")
    response = await api.post("/api/campaigns", json={"type": "linkedin", "name": "Same"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"


async def test_same_name_in_another_account_is_fine(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    await create_campaign(api, name="Same")
    response = await api.post(
        "/api/campaigns", json={"type": "email", "name": "Same"}, headers=other_account.headers
    )
    assert response.status_code == 201


async def test_create_with_owned_matching_senders(api: httpx.AsyncClient) -> None:
    sender = await create_sender(api, type="email")
    campaign = await create_campaign(
        api, sender_account_ids=[sender["id"], sender["id"]], signature="Sam", daily_limit=40
    )
    assert campaign["sender_account_ids"] == [sender["id"]]
    assert (campaign["signature"], campaign["daily_limit"]) == ("Sam", 40)


async def test_sender_of_the_other_channel_is_400(api: httpx.AsyncClient) -> None:
    sender = await create_sender(api, type="linkedin")
    response = await api.post(
        "/api/campaigns",
        json={"type": "email", "name": "X", "sender_account_ids": [sender["id"]]},
    )
    assert response.status_code == 400
    assert "are not email senders" in response.json()["error"]["message"]


async def test_another_accounts_sender_is_400(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    theirs = await create_sender(httpx_with(api, other_account))
    response = await api.post(
        "/api/campaigns", json={"type": "email", "name": "X", "sender_account_ids": [theirs["id"]]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("Unknown sender account(s)")
    assert (await api.get("/api/campaigns")).json() == {"campaigns": []}


def httpx_with(api: httpx.AsyncClient, account: Account) -> httpx.AsyncClient:
    """The same app, as another account (a fresh client sharing the transport)."""
    return httpx.AsyncClient(
        transport=api._transport, base_url=api.base_url, headers=account.headers
    )


@pytest.mark.parametrize(
    "body",
    [
        {"type": "sms", "name": "X"},
        {"type": "email"},
        {"type": "email", "name": "  "},
        {"type": "email", "name": "x" * 201},
        {"type": "email", "name": "X", "daily_limit": 0},
        {"type": "email", "name": "X", "daily_limit": "many"},
        {"type": "email", "name": "X", "sender_account_ids": ["nope"]},
        {"type": "email", "name": "X", "status": "active"},
    ],
)
async def test_invalid_campaign_is_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await api.post("/api/campaigns", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_list_has_node_counts_newest_first(api: httpx.AsyncClient) -> None:
    first = await create_campaign(api, name="First")
    second = await create_campaign(api, name="Second")
    await api.post(f"/api/campaigns/{second['id']}/sequence/nodes", json={"type": "delay"})
    campaigns = (await api.get("/api/campaigns")).json()["campaigns"]
    assert [(c["id"], c["node_count"]) for c in campaigns] == [
        (second["id"], 3),
        (first["id"], 2),
    ]
    assert set(campaigns[0]) == CAMPAIGN_FIELDS | {"node_count"}


async def test_get_returns_campaign_nodes_and_prospect_counts(api: httpx.AsyncClient) -> None:
    created = await create_campaign(api)
    response = await api.get(f"/api/campaigns/{created['id']}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"campaign", "sequence_nodes", "prospects_by_status"}
    assert set(body["campaign"]) == CAMPAIGN_FIELDS
    assert body["sequence_nodes"] == created["sequence_nodes"]
    assert body["prospects_by_status"] == {}


async def test_unknown_campaign_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/campaigns/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Campaign not found"}


async def test_patch_changes_only_the_fields_sent(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, signature="Old", daily_limit=10)
    response = await api.patch(f"/api/campaigns/{campaign['id']}", json={"name": "Renamed"})
    assert response.status_code == 200
    patched = response.json()["campaign"]
    assert (patched["name"], patched["signature"], patched["daily_limit"]) == ("Renamed", "Old", 10)
    cleared = await api.patch(f"/api/campaigns/{campaign['id']}", json={"daily_limit": None})
    assert cleared.json()["campaign"]["daily_limit"] is None


async def test_patch_senders_validates_them(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, type="linkedin")
    linkedin = await create_sender(api, type="linkedin")
    email = await create_sender(api, type="email")
    url = f"/api/campaigns/{campaign['id']}"
    ok = await api.patch(url, json={"sender_account_ids": [linkedin["id"]]})
    assert ok.json()["campaign"]["sender_account_ids"] == [linkedin["id"]]
    bad = await api.patch(url, json={"sender_account_ids": [email["id"]]})
    assert bad.status_code == 400
    missing = await api.patch(
        url, json={"sender_account_ids": ["00000000-0000-4000-8000-000000000000"]}
    )
    assert missing.status_code == 400
    after = (await api.get(url)).json()["campaign"]
    assert after["sender_account_ids"] == [linkedin["id"]]


async def test_patch_to_a_taken_name_is_409(api: httpx.AsyncClient) -> None:
    await create_campaign(api, name="Taken")
    campaign = await create_campaign(api, name="Mine")
    response = await api.patch(f"/api/campaigns/{campaign['id']}", json={"name": "Taken"})
    assert response.status_code == 409
    same = await api.patch(f"/api/campaigns/{campaign['id']}", json={"name": "Mine"})
    assert same.status_code == 200


@pytest.mark.parametrize(
    "body", [{"name": None}, {"status": "active"}, {"type": "linkedin"}, {"name": ""}]
)
async def test_invalid_patch_is_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    campaign = await create_campaign(api)
    response = await api.patch(f"/api/campaigns/{campaign['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_delete_removes_campaign_and_nodes(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.delete(f"/api/campaigns/{campaign['id']}")
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert (await api.get(f"/api/campaigns/{campaign['id']}")).status_code == 404
    assert (await api.get("/api/campaigns")).json() == {"campaigns": []}
    again = await api.delete(f"/api/campaigns/{campaign['id']}")
    assert again.status_code == 404


async def test_concurrent_creates_with_one_name_make_one_campaign(api: httpx.AsyncClient) -> None:
    body = {"type": "email", "name": "Race"}
    responses = await asyncio.gather(*(api.post("/api/campaigns", json=body) for _ in range(6)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5
    assert len((await api.get("/api/campaigns")).json()["campaigns"]) == 1


async def test_delete_cancels_the_campaigns_runs(
    api: httpx.AsyncClient, account: Account, sessionmaker: SessionMaker
) -> None:
    campaign = await create_campaign(api)
    other = await create_campaign(api, name="Other")
    run_ids = {campaign["id"]: new_run_id(), other["id"]: new_run_id()}
    async with unit_of_work(sessionmaker) as session:
        for campaign_id, run_id in run_ids.items():
            session.add(
                Run(
                    id=run_id, user_id=account.user.id, kind="generate-ai-messages",
                    status="running", campaign_id=uuid.UUID(campaign_id), params={}, usage={},
                )
            )  # fmt: skip
    assert (await api.delete(f"/api/campaigns/{campaign['id']}")).status_code == 200
    async with sessionmaker() as session:
        deleted_run = await session.get(Run, run_ids[campaign["id"]])
        other_run = await session.get(Run, run_ids[other["id"]])
    assert deleted_run is not None
    assert deleted_run.status == "cancelled"
    assert other_run is not None
    assert other_run.status == "running"
