from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.campaigns import (
    add_node,
    add_prospect,
    create_campaign,
    create_sender,
    launched_campaign,
    sendable_campaign,
)


def _url(campaign: dict[str, Any], action: str) -> str:
    return f"/api/campaigns/{campaign['id']}/{action}"


async def test_launch_moves_a_ready_draft_to_active(api: httpx.AsyncClient) -> None:
    campaign = await sendable_campaign(api)
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 200
    assert response.json()["campaign"]["status"] == "active"
    detail = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    assert detail["campaign"]["status"] == "active"
    assert detail["prospects_by_status"] == {"pending": 1}


async def test_launch_lists_everything_missing(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == (
        "Campaign cannot launch: add at least one prospect; email node 0: subject is empty; "
        "email node 0: body is empty; "
        "an email campaign needs a sender (its emails are signed and sent by one)"
    )
    assert [d["field"] for d in error["details"]] == [
        "prospects",
        "sequence_nodes[0].subject",
        "sequence_nodes[0].body",
        "sender_account_ids",
    ]
    detail = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    assert detail["campaign"]["status"] == "draft"


async def test_launch_needs_a_message_node_with_a_body(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, type="linkedin")
    await add_prospect_linkedin(api, campaign["id"])
    await add_node(api, campaign["id"], type="message", body="  ")
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Campaign cannot launch: message node 1: body is empty"
    )


async def test_connection_request_without_a_note_can_launch(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api, type="linkedin")
    await add_prospect_linkedin(api, campaign["id"])
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 200
    assert response.json()["campaign"]["status"] == "active"


async def test_sequence_with_nothing_to_send_cannot_launch(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    await add_prospect(api, campaign["id"])
    first = campaign["sequence_nodes"][0]["id"]
    await api.request(
        "DELETE", f"/api/campaigns/{campaign['id']}/sequence/nodes", json={"nodeId": first}
    )
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Campaign cannot launch: the sequence has nothing to send; "
        "an email campaign needs a sender (its emails are signed and sent by one)"
    )


async def add_prospect_linkedin(api: httpx.AsyncClient, campaign_id: str) -> None:
    prospect = {"linkedin_url": "https://www.linkedin.com/in/ada", "first_name": "Ada"}
    response = await api.post(f"/api/campaigns/{campaign_id}/leads", json={"prospects": [prospect]})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("status", ["active", "paused"])
async def test_launch_when_not_draft_is_wrong_status(api: httpx.AsyncClient, status: str) -> None:
    campaign = await launched_campaign(api)
    if status == "paused":
        await api.post(_url(campaign, "pause"))
    response = await api.post(_url(campaign, "launch"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": f"Campaign is {status} — must be draft to launch",
    }


async def test_pause_and_resume_round_trip(api: httpx.AsyncClient) -> None:
    campaign = await launched_campaign(api)
    paused = await api.post(_url(campaign, "pause"))
    assert paused.status_code == 200
    assert paused.json()["campaign"]["status"] == "paused"
    resumed = await api.post(_url(campaign, "resume"))
    assert resumed.status_code == 200
    assert resumed.json()["campaign"]["status"] == "active"


async def test_pause_of_a_draft_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.post(_url(campaign, "pause"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": "Only active campaigns can be paused",
    }


@pytest.mark.parametrize("launched", [False, True])
async def test_resume_of_a_non_paused_campaign_is_400(
    api: httpx.AsyncClient, launched: bool
) -> None:
    campaign = await (launched_campaign(api) if launched else create_campaign(api))
    response = await api.post(_url(campaign, "resume"))
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": "Only paused campaigns can be resumed",
    }


async def test_name_and_daily_limit_stay_editable_after_launch(api: httpx.AsyncClient) -> None:
    campaign = await launched_campaign(api)
    response = await api.patch(
        f"/api/campaigns/{campaign['id']}", json={"name": "Live", "daily_limit": 25}
    )
    assert response.status_code == 200
    assert (response.json()["campaign"]["name"], response.json()["campaign"]["daily_limit"]) == (
        "Live",
        25,
    )


@pytest.mark.parametrize("field", ["signature", "sender_account_ids"])
async def test_signature_and_senders_are_draft_only(api: httpx.AsyncClient, field: str) -> None:
    sender = await create_sender(api)
    campaign = await launched_campaign(api)
    value = "New sig" if field == "signature" else [sender["id"]]
    response = await api.patch(f"/api/campaigns/{campaign['id']}", json={field: value})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "wrong_status",
        "message": "Campaign is active — must be draft to change its signature or senders",
    }


async def test_launched_campaign_can_still_be_deleted(api: httpx.AsyncClient) -> None:
    campaign = await launched_campaign(api)
    response = await api.delete(f"/api/campaigns/{campaign['id']}")
    assert response.json() == {"success": True}
