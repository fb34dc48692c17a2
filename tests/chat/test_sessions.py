"""Chat session CRUD: /api/campaigns/ai-chat-sessions[/{id}]."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update

from coldcraft.store.base import utcnow
from coldcraft.store.models import AIChatSession
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import create_campaign
from tests.fixtures.chat import chat_target, get_session, open_session
from tests.fixtures.factories import Account
from tests.fixtures.runs import SEED_SKELETON

SESSIONS = "/api/campaigns/ai-chat-sessions"
SESSION_KEYS = {
    "id", "user_id", "campaign_id", "node_id", "title", "messages", "skeleton",
    "skeleton_history", "framework_version", "draft_subject", "draft_body",
    "generated_examples", "task_status", "last_run_id", "last_error", "created_at",
    "updated_at",
}  # fmt: skip


async def test_create_returns_201_then_200_with_the_same_session(
    api: httpx.AsyncClient, account: Account
) -> None:
    target = await chat_target(api, prospects=[])
    body = {"campaign_id": target.campaign_id, "node_id": target.node_id}
    first = await api.post(SESSIONS, json=body)
    second = await api.post(SESSIONS, json=body)
    assert (first.status_code, second.status_code) == (201, 200)
    session = first.json()["session"]
    assert second.json()["session"]["id"] == session["id"]
    assert set(session) == SESSION_KEYS
    assert session["user_id"] == str(account.user.id)
    assert session["messages"] is None
    assert session["skeleton"] is None
    assert session["task_status"] is None


async def test_create_checks_the_campaign_and_the_node(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    target = await chat_target(api, prospects=[])
    campaign = await create_campaign(api, name="Plain")
    email_node = campaign["sequence_nodes"][0]["id"]
    cases = [
        ({"campaign_id": target.campaign_id, "node_id": str(uuid.uuid4())}, 404),
        ({"campaign_id": campaign["id"], "node_id": target.node_id}, 404),
        ({"campaign_id": campaign["id"], "node_id": email_node}, 400),
        ({"campaign_id": target.campaign_id}, 400),
        ({"campaign_id": target.campaign_id, "node_id": target.node_id, "id": "x"}, 400),
    ]
    for body, status in cases:
        assert (await api.post(SESSIONS, json=body)).status_code == status, body
    body = {"campaign_id": target.campaign_id, "node_id": target.node_id}
    response = await api.post(SESSIONS, json=body, headers=other_account.headers)
    assert response.status_code == 404


async def test_list_is_every_session_of_the_account_or_one_campaigns(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    one = await open_session(api, await chat_target(api, name="One", prospects=[]))
    two_target = await chat_target(api, name="Two", prospects=[])
    two = await open_session(api, two_target)
    everything = (await api.get(SESSIONS)).json()["sessions"]
    assert {s["id"] for s in everything} == {one["id"], two["id"]}
    only_two = await api.get(SESSIONS, params={"campaign_id": two_target.campaign_id})
    assert [s["id"] for s in only_two.json()["sessions"]] == [two["id"]]
    theirs = await api.get(SESSIONS, headers=other_account.headers)
    assert theirs.json() == {"sessions": []}
    foreign = await api.get(
        SESSIONS, params={"campaign_id": two_target.campaign_id}, headers=other_account.headers
    )
    assert foreign.status_code == 404
    assert (await api.get(SESSIONS, params={"campaign_id": "nope"})).status_code == 400


async def test_get_is_404_for_another_account_and_for_unknown_ids(
    api: httpx.AsyncClient, other_account: Account
) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    assert (await api.get(url)).json()["session"]["id"] == session["id"]
    assert (await api.get(url, headers=other_account.headers)).status_code == 404
    assert (await api.get(f"{SESSIONS}/{uuid.uuid4()}")).status_code == 404
    assert (await api.get(f"{SESSIONS}/not-a-uuid")).status_code == 400


async def test_patch_updates_plain_fields(api: httpx.AsyncClient) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    body = {"title": "Opener", "draft_subject": "Hi", "draft_body": "Hello there"}
    patched = (await api.patch(url, json=body)).json()["session"]
    assert {k: patched[k] for k in body} == body
    assert (await api.patch(url, json={"title": None})).json()["session"]["title"] is None


async def test_patch_rejects_server_owned_fields(api: httpx.AsyncClient) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    for body in ({"task_status": None}, {"framework_version": 3}, {"messages": []}):
        response = await api.patch(url, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_request"


async def test_patch_with_a_passing_skeleton_adopts_it_like_a_turn(api: httpx.AsyncClient) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    examples = [{"lead_id": "l1", "subject": "s", "body": "b"}]
    await api.patch(url, json={"generated_examples": examples})
    patched = (await api.patch(url, json={"skeleton": SEED_SKELETON})).json()["session"]
    assert patched["skeleton"] == SEED_SKELETON
    assert patched["framework_version"] == 1
    assert patched["generated_examples"] is None
    assert patched["draft_subject"] == SEED_SKELETON["subject"]

    second = {**SEED_SKELETON, "subject": "Onboarding at %company%"}
    patched = (await api.patch(url, json={"skeleton": second})).json()["session"]
    assert patched["framework_version"] == 2
    assert patched["skeleton_history"] == [SEED_SKELETON]


async def test_patch_with_a_failing_skeleton_is_400_with_the_judges_issues(
    api: httpx.AsyncClient,
) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    bad = {**SEED_SKELETON, "subject": "Onboarding \u2014 %nickname%"}
    response = await api.patch(url, json={"skeleton": bad})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    rules = {d["rule"] for d in error["details"]}
    assert {"em_dash", "merge_field_unknown"} <= rules
    assert all(d["field"] == "skeleton" for d in error["details"])
    assert (await get_session(api, session["id"]))["skeleton"] is None


async def test_patch_with_a_malformed_skeleton_is_400(api: httpx.AsyncClient) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    for skeleton in ({"subject": "x"}, {**SEED_SKELETON, "extra": 1}, None):
        response = await api.patch(url, json={"skeleton": skeleton})
        assert response.status_code == 400, skeleton


async def test_patch_while_a_task_holds_the_session_is_409(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    await _hold(sessionmaker, session["id"], "generating_examples")
    response = await api.patch(f"{SESSIONS}/{session['id']}", json={"title": "x"})
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "session_busy",
        "message": "Session is busy (generating_examples)",
    }


async def test_delete_removes_the_session(api: httpx.AsyncClient, other_account: Account) -> None:
    session = await open_session(api, await chat_target(api, prospects=[]))
    url = f"{SESSIONS}/{session['id']}"
    assert (await api.delete(url, headers=other_account.headers)).status_code == 404
    response = await api.delete(url)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert (await api.get(url)).status_code == 404


async def test_mutations_need_a_draft_campaign(
    api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    target = await chat_target(api, prospects=[])
    session = await open_session(api, target)
    await _set_status(sessionmaker, target.campaign_id, "active")
    url = f"{SESSIONS}/{session['id']}"
    responses = [
        await api.patch(url, json={"title": "x"}),
        await api.delete(url),
        await api.post(f"{url}/turn", json={"message": "hi"}),
        await api.post(
            SESSIONS, json={"campaign_id": target.campaign_id, "node_id": target.node_id}
        ),
    ]
    for response in responses:
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "wrong_status"
    assert (await api.get(url)).status_code == 200


async def _hold(sessionmaker: SessionMaker, session_id: str, task_status: str) -> None:
    async with unit_of_work(sessionmaker) as db:
        await db.execute(
            update(AIChatSession)
            .where(AIChatSession.id == uuid.UUID(session_id))
            .values(task_status=task_status, task_claimed_at=utcnow())
        )


async def _set_status(sessionmaker: SessionMaker, campaign_id: str, status: str) -> None:
    from coldcraft.store.models import Campaign

    values: dict[str, Any] = {"status": status}
    async with unit_of_work(sessionmaker) as db:
        await db.execute(
            update(Campaign).where(Campaign.id == uuid.UUID(campaign_id)).values(**values)
        )
