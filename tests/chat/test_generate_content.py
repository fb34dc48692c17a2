"""POST /api/campaigns/{id}/generate-content with the offline model, from a clean database."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from coldcraft.skeletons.judge import JudgeContext, judge_skeleton
from coldcraft.skeletons.schema import Skeleton, passed
from tests.fixtures.campaigns import create_campaign, launched_campaign
from tests.fixtures.chat import chat_target, get_session, send, send_ok
from tests.fixtures.factories import Account

RESPONSE_KEYS = {"session_id", "assistant_message", "skeleton", "skeleton_updated", "model"}
SKELETON_KEYS = {"subject", "body", "blocks", "exampleSubject", "exampleBody"}
TURNS = (
    "write a first email for ops leaders at SaaS companies about onboarding automation",
    "make it shorter",
    "change the CTA to a question",
)


def assert_seed_shape(reply: dict[str, Any]) -> None:
    assert set(reply) == RESPONSE_KEYS
    uuid.UUID(reply["session_id"])
    assert isinstance(reply["assistant_message"], str)
    assert reply["assistant_message"]
    assert isinstance(reply["skeleton_updated"], bool)
    skeleton = reply["skeleton"]
    assert set(skeleton) == SKELETON_KEYS
    for block in skeleton["blocks"]:
        assert set(block) == {"name", "strategy", "personalization"}
        assert set(block["personalization"]) == {"fields", "approach", "fallback"}


async def test_three_turns_build_a_framework_that_passes_the_judge(api: httpx.AsyncClient) -> None:
    target = await chat_target(api)
    replies = [await send_ok(api, target, message) for message in TURNS]

    for reply in replies:
        assert_seed_shape(reply)
        skeleton = Skeleton.model_validate(reply["skeleton"])
        assert passed(judge_skeleton(skeleton, JudgeContext(sequence_position=1)))
    assert len({r["session_id"] for r in replies}) == 1
    assert replies[0]["skeleton_updated"] is True

    session = await get_session(api, replies[0]["session_id"])
    accepted = sum(r["skeleton_updated"] for r in replies)
    assert session["framework_version"] == accepted
    assert len(session["skeleton_history"] or []) == accepted - 1
    assert session["skeleton"] == replies[-1]["skeleton"]
    assert session["draft_subject"] == replies[-1]["skeleton"]["subject"]
    assert session["draft_body"] == replies[-1]["skeleton"]["body"]
    assert session["messages"] == [
        m
        for message, reply in zip(TURNS, replies, strict=True)
        for m in (
            {"role": "user", "content": message},
            {"role": "assistant", "content": reply["assistant_message"]},
        )
    ]
    assert session["task_status"] is None
    assert session["last_error"] is None
    assert session["title"] == TURNS[0][:77] + "..."
    assert "agent_history" not in session


async def test_the_first_turn_on_a_node_creates_its_session(api: httpx.AsyncClient) -> None:
    target = await chat_target(api)
    reply = await send_ok(api, target, "write a first email about onboarding automation")
    listed = await api.get(f"/api/campaigns/ai-chat-sessions?campaign_id={target.campaign_id}")
    sessions = listed.json()["sessions"]
    assert [s["id"] for s in sessions] == [reply["session_id"]]
    assert sessions[0]["node_id"] == target.node_id
    assert sessions[0]["framework_version"] == 1


async def test_explicit_sample_leads_ground_the_example(api: httpx.AsyncClient) -> None:
    target = await chat_target(api, prospects=[])
    lead = {"first_name": "Priya", "company": "Zentrix", "position": "VP Operations"}
    reply = await send_ok(api, target, "write a first email about onboarding", sample_leads=[lead])
    assert "Priya" in reply["skeleton"]["exampleBody"]


async def test_without_sample_leads_the_campaigns_prospects_are_sampled(
    api: httpx.AsyncClient,
) -> None:
    target = await chat_target(api)
    reply = await send_ok(api, target, "write a first email about onboarding")
    example = reply["skeleton"]["exampleBody"]
    assert "Sarah" in example or "Tom" in example


# --- checks, in the contract's order ---------------------------------------------------------


async def test_another_accounts_campaign_is_404(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    target = await chat_target(api)
    response = await api.post(
        target.url,
        json={"node_id": target.node_id, "message": "hi"},
        headers=other_account.headers,
    )
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "not_found", "message": "Campaign not found"}


async def test_a_campaign_that_is_not_draft_is_400_wrong_status_before_the_node_check(
    api: httpx.AsyncClient,
) -> None:
    campaign = await launched_campaign(api)
    url = f"/api/campaigns/{campaign['id']}/generate-content"
    response = await api.post(url, json={"node_id": str(uuid.uuid4()), "message": "hi"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "wrong_status"
    assert error["message"].startswith("Campaign is active")


async def test_a_node_of_another_campaign_is_404(api: httpx.AsyncClient) -> None:
    target = await chat_target(api)
    other = await chat_target(api, name="Other campaign", prospects=[])
    response = await api.post(target.url, json={"node_id": other.node_id, "message": "hi"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Sequence node not found"


async def test_a_node_that_is_not_ai_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    email_node = campaign["sequence_nodes"][0]["id"]
    url = f"/api/campaigns/{campaign['id']}/generate-content"
    response = await api.post(url, json={"node_id": email_node, "message": "hi"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_body_limits_are_400(api: httpx.AsyncClient) -> None:
    target = await chat_target(api, prospects=[])
    lead = {"first_name": "A"}
    cases: list[dict[str, Any]] = [
        {"node_id": target.node_id, "message": ""},
        {"node_id": target.node_id, "message": "x" * 8001},
        {"node_id": target.node_id},
        {"message": "hi"},
        {"node_id": "not-a-uuid", "message": "hi"},
        {"node_id": target.node_id, "message": "hi", "sample_leads": [lead] * 21},
        {"node_id": target.node_id, "message": "hi", "sample_leads": [{"nickname": "x"}]},
        {"node_id": target.node_id, "message": "hi", "sample_leads": [{"headline": "x"}]},
        {"node_id": target.node_id, "message": "hi", "task_status": None},
    ]
    for body in cases:
        response = await api.post(target.url, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_request"


async def test_a_message_of_8000_characters_is_accepted(api: httpx.AsyncClient) -> None:
    target = await chat_target(api)
    response = await send(api, target, "write about onboarding " + "x" * 7977)
    assert response.status_code == 200, response.text
