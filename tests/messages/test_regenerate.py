"""Regenerate: chosen AI drafts rewritten in a run, with the reviewer's note for the writer;
hand edits kept unless asked for; the review starts over on the new text."""

from __future__ import annotations

from typing import Any

import httpx

from coldcraft.llm.context import read_section
from coldcraft.store.session import SessionMaker
from tests.fixtures.factories import Account
from tests.fixtures.messages import OutboxCampaign, outbox_campaign, recording_writer
from tests.fixtures.runs import wait_for_run

NOTE = "Shorter, and mention their Series B"


async def ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def finished(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, response: httpx.Response
) -> dict[str, Any]:
    started = await ok(response, 202)
    run = await wait_for_run(sessionmaker, started["runId"], timeout=60)
    assert run.status == "completed", run.error
    return started


async def ai_drafts(api: httpx.AsyncClient, box: OutboxCampaign) -> list[dict[str, Any]]:
    page = await ok(await api.get(box.path, params={"status": "all", "node_id": box.ai_node_id}))
    return sorted(page["messages"], key=lambda m: m["prospect_id"])


async def test_regenerate_rewrites_with_the_note_and_keeps_hand_edits(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    with recording_writer() as writer:
        body = {"action": "generate_ai", "node_id": box.ai_node_id}
        await finished(api, sessionmaker, await api.post(box.path, json=body))
        first, second, third = await ai_drafts(api, box)
        await ok(await api.post(box.path, json={"action": "approve", "message_ids": [first["id"]]}))
        hand = {"message_id": second["id"], "body_text": "Hi, a short hand-written note."}
        await ok(await api.patch(box.path, json=hand))

        regenerate = {
            "action": "regenerate",
            "filter": {"node_id": box.ai_node_id},
            "instruction": NOTE,
        }
        started = await finished(api, sessionmaker, await api.post(box.path, json=regenerate))
        assert started["prospects"] == 2  # the hand edit is kept
        notes = [
            read_section(prompt, "reviewer_note")
            for prompts in writer.prompts.values()
            for prompt in prompts
        ]
        assert notes.count(NOTE) == 2

    after = {m["id"]: m for m in await ai_drafts(api, box)}
    assert after[first["id"]]["review_state"] == "unreviewed"  # new text, a new look
    assert after[second["id"]]["body_text"] == "Hi, a short hand-written note."
    assert after[third["id"]]["review_state"] == "unreviewed"


async def test_a_hand_edit_is_rewritten_only_when_asked(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=1)
    with recording_writer():
        body = {"action": "generate_ai", "node_id": box.ai_node_id}
        await finished(api, sessionmaker, await api.post(box.path, json=body))
        [draft] = await ai_drafts(api, box)
        await ok(await api.patch(box.path, json={"message_id": draft["id"], "body_text": "Mine."}))
        kept = {"action": "regenerate", "message_ids": [draft["id"]]}
        refused = await ok(await api.post(box.path, json=kept), 400)
        assert refused["error"]["message"] == (
            "Nothing to regenerate: no unsent AI draft selected "
            "(hand-edited drafts are kept unless include_edited)"
        )
        replace = {**kept, "include_edited": True}
        await finished(api, sessionmaker, await api.post(box.path, json=replace))
    [rewritten] = await ai_drafts(api, box)
    assert rewritten["body_text"] != "Mine."
    assert (rewritten["manually_edited"], rewritten["original_body"]) == (False, None)
    assert rewritten["edited_by"] is None


async def test_regenerate_takes_ai_drafts_of_one_node(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2)
    await ok(await api.post(box.path, json={"action": "resolve"}))
    templated = {"action": "regenerate", "filter": {"node_id": box.template_id}}
    refused = await ok(await api.post(box.path, json=templated), 400)
    assert refused["error"]["message"].startswith("Nothing to regenerate")
