"""The review end to end (both databases): 200 prospects, an AI first touch and a templated
follow-up; flagged drafts block the launch until each is fixed, approved or rejected."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account
from tests.fixtures.messages import outbox_campaign, recording_writer
from tests.fixtures.runs import wait_for_run

pytestmark = pytest.mark.slow
PROSPECTS = 200
FIXED = "Hi there,\n\nFollowing up on my note about onboarding. Worth a short look?\n\nSam"


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_review_and_launch_of_a_200_prospect_campaign(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=PROSPECTS)
    launch = f"/api/campaigns/{box.id}/launch"

    async def run(body: dict[str, Any]) -> None:
        started = await ok(await api.post(box.path, json=body), 202)
        done = await wait_for_run(sessionmaker, started["runId"], timeout=120)
        assert done.status == "completed", done.error

    async def listed(**params: Any) -> list[dict[str, Any]]:
        query = {"status": "all", "limit": 1000, **params}
        messages: list[dict[str, Any]] = (await ok(await api.get(box.path, params=query)))[
            "messages"
        ]
        return messages

    with recording_writer() as writer:
        await run({"action": "generate_ai", "node_id": box.ai_node_id})
        await ok(await api.post(box.path, json={"action": "resolve"}))
        follow_ups = await listed(node_id=box.template_id)
        planted = follow_ups[0]  # a failing hand edit, planted
        bad = {"message_id": planted["id"], "body_text": "Hi %first_name%, synergy — guaranteed!!!"}
        assert (await ok(await api.patch(box.path, json=bad)))["message"]["flagged"] is True

        refused = await api.post(launch)
        assert refused.status_code == 400
        details = {d["field"]: d for d in refused.json()["error"]["details"]}
        assert details["messages.unresolved_token"]["message_ids"] == [planted["id"]]
        flagged = await listed(flagged="true")
        assert details["messages.review"]["count"] == len(flagged) > 3

        missing = [
            m for m in flagged if m["missing_fields"] == ["first_name"] and m["id"] != planted["id"]
        ]
        rejected, approved, fixed = missing[0], missing[1], missing[2]
        await ok(
            await api.post(box.path, json={"action": "reject", "message_ids": [rejected["id"]]})
        )
        approve = {"action": "approve", "message_ids": [approved["id"]], "note": "fine as is"}
        await ok(await api.post(box.path, json=approve))
        edit = {"message_id": fixed["id"], "body_text": FIXED}
        assert (await ok(await api.patch(box.path, json=edit)))["message"]["flagged"] is False
        await ok(
            await api.post(box.path, json={"action": "restore", "message_ids": [planted["id"]]})
        )

        ai = await listed(node_id=box.ai_node_id)
        three = [m["id"] for m in ai[:3]]
        note = "Shorter, and mention their Series B"
        await run({"action": "regenerate", "message_ids": three, "instruction": note})
        notes = [prompt for prompts in writer.prompts.values() for prompt in prompts]
        assert sum("Series B" in prompt for prompt in notes) == 3

    bulk = {"action": "approve", "filter": {"flagged": True, "review": "unreviewed"}}
    approved_rest = await ok(await api.post(box.path, json=bulk))
    assert approved_rest["changed"] == approved_rest["matched"] > 0
    launched = await ok(await api.post(launch))
    assert launched["campaign"]["status"] == "active"

    after = {m["id"]: m for m in await listed()}
    assert after[rejected["id"]]["status"] == "draft"  # never sent: the prospect skips it
    pending = [m for m in after.values() if m["status"] == "pending"]
    assert len(pending) == 2 * PROSPECTS - 1
    assert (after[approved["id"]]["reviewed_by"], after[approved["id"]]["review_note"]) == (
        account.user.email,
        "fine as is",
    )
    assert after[fixed["id"]]["edited_by"] == account.user.email
    assert after[fixed["id"]]["original_body"] is not None
    assert after[planted["id"]]["manually_edited"] is False  # restored
