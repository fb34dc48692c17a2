"""The whole outbox on the offline model: framework chat, examples, resolve, generate_ai,
a hand edit that survives a template change, the CSV export, launch."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx

from coldcraft.store.session import SessionMaker
from tests.fixtures.campaigns import add_node, create_campaign, create_sender
from tests.fixtures.factories import Account
from tests.fixtures.messages import (
    FOLLOW_UP_BODY,
    FOLLOW_UP_SUBJECT,
    add_prospects,
    list_prospects,
    prospect,
)
from tests.fixtures.runs import wait_for_run

PROSPECTS = 200


async def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def _campaign(api: httpx.AsyncClient) -> tuple[str, str, str]:
    """AI first touch + templated follow-up, 200 prospects; returns campaign, AI, template ids."""
    sender = await create_sender(api)
    campaign = await create_campaign(
        api, name="E2E", sender_account_ids=[sender["id"]], signature="Sam"
    )
    template_id = campaign["sequence_nodes"][0]["id"]
    content = {"subject": FOLLOW_UP_SUBJECT, "body": FOLLOW_UP_BODY}
    await _ok(
        await api.put(f"/api/campaigns/{campaign['id']}/sequence/nodes/{template_id}", json=content)
    )
    nodes = await add_node(api, campaign["id"], type="ai", position=0)
    await add_prospects(api, campaign["id"], [prospect(i) for i in range(PROSPECTS)])
    return campaign["id"], nodes[0]["id"], template_id


async def _framework(api: httpx.AsyncClient, campaign_id: str, ai_node_id: str) -> str:
    """A skeleton from the framework chat (the offline model writes one that passes)."""
    message = "Write a first-touch email for heads of operations about faster onboarding."
    body = await _ok(
        await api.post(
            f"/api/campaigns/{campaign_id}/generate-content",
            json={"node_id": ai_node_id, "message": message},
        )
    )
    assert body["skeleton"] is not None
    session_id: str = body["session_id"]
    return session_id


async def _examples(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, session_id: str, leads: list[dict[str, Any]]
) -> None:
    sample = [
        {
            k: v
            for k, v in lead.items()
            if k
            in ("id", "first_name", "last_name", "email", "company", "position", "custom_fields")
        }
        for lead in leads
    ]
    url = f"/api/campaigns/ai-chat-sessions/{session_id}/generate-examples"
    started = await _ok(await api.post(url, json={"leads": sample}), 202)
    run = await wait_for_run(sessionmaker, started["runId"], timeout=60)
    assert run.status == "completed", run.error


async def test_outbox_end_to_end_on_the_offline_model(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    campaign_id, ai_node_id, template_id = await _campaign(api)
    path = f"/api/campaigns/{campaign_id}/generate-messages"
    session_id = await _framework(api, campaign_id, ai_node_id)
    leads = await list_prospects(api, campaign_id)
    await _examples(api, sessionmaker, session_id, leads[:5])

    resolved = await _ok(await api.post(path, json={"action": "resolve"}))
    ai_counts = next(n for n in resolved["counts"]["nodes"] if n["type"] == "ai")
    assert (ai_counts["messages"], ai_counts["missing"]) == (5, PROSPECTS - 5)
    assert resolved["unmatched_examples"] == []

    started = await _ok(
        await api.post(path, json={"action": "generate_ai", "node_id": ai_node_id}), 202
    )
    assert started["prospects"] == PROSPECTS - 5
    run = await wait_for_run(sessionmaker, started["runId"], timeout=120)
    assert run.status == "completed", run.error
    assert run.progress_done == PROSPECTS - 5, (run.progress_done, run.progress_failed)

    everything = (await _ok(await api.get(path)))["messages"]
    assert len(everything) == 2 * PROSPECTS
    ai = [m for m in everything if m["node_id"] == ai_node_id]
    assert {m["source"] for m in ai} == {"example", "ai"}
    assert all(m["body_text"] and m["error"] is None for m in ai)
    no_first_name = next(
        m for m in everything if m["node_id"] == template_id and m["missing_fields"]
    )
    assert no_first_name["body_text"].startswith("Hi,\n\n")

    edited = next(m for m in everything if m["node_id"] == template_id)
    await _ok(
        await api.patch(path, json={"message_id": edited["id"], "body_text": "Hand written."})
    )
    await _ok(
        await api.put(
            f"/api/campaigns/{campaign_id}/sequence/nodes/{template_id}",
            json={"body": "Hi %first_name|there%, one last note.\n\n%signature%"},
        )
    )
    again = await _ok(await api.post(path, json={"action": "resolve"}))
    assert again["counts"]["written"] == PROSPECTS - 1
    templated = [m for m in again["messages"] if m["node_id"] == template_id]
    assert templated[0]["body_text"] == "Hand written."
    assert templated[0]["manually_edited"]
    assert all(m["body_text"].endswith("one last note.\n\nSam") for m in templated[1:])

    export = await api.get(path + "/export.csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 2 * PROSPECTS
    assert rows[1]["body"] == "Hand written."
    assert rows[1]["email"] == leads[0]["email"]

    # The hand edit is judged (two words fail the length rule): under the default review
    # policy it blocks the launch until a person approves (or fixes, or rejects) it.
    refused = await api.post(f"/api/campaigns/{campaign_id}/launch")
    assert refused.status_code == 400
    [review] = [d for d in refused.json()["error"]["details"] if d["field"] == "messages.review"]
    assert (review["count"], review["message_ids"]) == (1, [edited["id"]])
    approve = {"action": "approve", "message_ids": [edited["id"]], "note": "short on purpose"}
    assert (await _ok(await api.post(path, json=approve)))["changed"] == 1
    launched = await _ok(await api.post(f"/api/campaigns/{campaign_id}/launch"))
    assert launched["campaign"]["status"] == "active"
    pending = await _ok(await api.get(path, params={"status": "pending", "limit": 1}))
    assert pending["total"] == 2 * PROSPECTS
