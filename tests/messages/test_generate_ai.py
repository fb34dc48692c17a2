"""POST generate-messages {"action": "generate_ai"}: the run, its checks, resumption."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from coldcraft.config import Settings
from coldcraft.store.models import Run
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.factories import Account
from tests.fixtures.messages import (
    OutboxCampaign,
    RecordingWriter,
    insert_ai_rows,
    install_session,
    list_prospects,
    outbox_campaign,
    recording_writer,
)
from tests.fixtures.runs import wait_for_run

NO_FRAMEWORK = "Session has no framework yet. Chat first to create one."


@pytest.fixture
def writer() -> Iterator[RecordingWriter]:
    with recording_writer() as recording:
        yield recording


async def _start(api: httpx.AsyncClient, box: OutboxCampaign, **body: Any) -> httpx.Response:
    return await api.post(
        box.path, json={"action": "generate_ai", "node_id": box.ai_node_id, **body}
    )


async def _run(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, box: OutboxCampaign, **body: Any
) -> tuple[dict[str, Any], Run]:
    response = await _start(api, box, **body)
    assert response.status_code == 202, response.text
    started: dict[str, Any] = response.json()
    run = await wait_for_run(sessionmaker, started["runId"], timeout=60)
    return started, run


async def _ai_messages(api: httpx.AsyncClient, box: OutboxCampaign) -> list[dict[str, Any]]:
    body = (await api.get(box.path, params={"status": "all"})).json()
    return [m for m in body["messages"] if m["node_id"] == box.ai_node_id]


async def test_every_prospect_gets_an_ai_draft(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, writer: RecordingWriter
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=4)
    started, run = await _run(api, sessionmaker, box)
    assert started["prospects"] == 4
    assert started["runId"].startswith("run_")
    assert started["publicAccessToken"]
    assert run.status == "completed", run.error
    assert (run.progress_total, run.progress_done, run.progress_failed) == (4, 4, 0)
    drafts = await _ai_messages(api, box)
    assert len(drafts) == 4
    for draft in drafts:
        assert (draft["source"], draft["model"], draft["status"]) == (
            "ai",
            "recording-writer",
            "draft",
        )
        assert draft["quality"]["passed"] is True
        assert draft["subject"]
        assert draft["body_text"]
        assert draft["error"] is None
    assert sorted(writer.calls.values()) == [1, 1, 1, 1]


async def test_the_follow_up_writer_is_told_the_prospects_first_touch(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, writer: RecordingWriter
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2, ai_position=1)
    resolved = (await api.post(box.path, json={"action": "resolve"})).json()["messages"]
    first, second = resolved
    await api.patch(
        box.path, json={"message_id": second["id"], "body_text": "Edited first touch for two."}
    )
    _, run = await _run(api, sessionmaker, box)
    assert run.status == "completed", run.error
    leads = await list_prospects(api, box.id)
    prompt_one = writer.prompts[leads[0]["email"]][0]
    prompt_two = writer.prompts[leads[1]["email"]][0]
    assert first["body_text"].split("\n")[0] in prompt_one  # "Hi First0,"
    assert "Following up on my note about Project 0" in prompt_one
    assert "Edited first touch for two." in prompt_two
    assert "Project 0" not in prompt_two
    assert '"position": 1' in prompt_one
    assert '"total_nodes": 2' in prompt_one


async def test_a_new_run_only_writes_what_a_killed_run_left(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, writer: RecordingWriter
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=6)
    leads = await list_prospects(api, box.id)
    async with unit_of_work(sessionmaker) as session:  # the killed run, ended by the sweep
        session.add(
            Run(
                id="run_killed" + uuid.uuid4().hex,
                user_id=account.user.id,
                kind="generate-ai-messages",
                status="failed",
                campaign_id=uuid.UUID(box.id),
                node_id=uuid.UUID(box.ai_node_id),
                progress_total=6,
                progress_done=3,
                usage={},
            )
        )
    await insert_ai_rows(sessionmaker, box, leads[:3])  # written before the kill
    await insert_ai_rows(
        sessionmaker,
        box,
        leads[3:4],
        body_text="",
        error={"code": "upstream_error", "message": "x"},
    )
    started, run = await _run(api, sessionmaker, box)
    assert started["prospects"] == 3
    assert run.status == "completed"
    assert set(writer.calls) == {lead["email"] for lead in leads[3:]}
    assert all(n == 1 for n in writer.calls.values())  # nobody written twice
    drafts = {d["prospect_id"]: d for d in await _ai_messages(api, box)}
    assert set(drafts) == {lead["id"] for lead in leads}  # nobody skipped
    assert all(drafts[lead["id"]]["body_text"].startswith("Earlier") for lead in leads[:3])
    assert all(
        drafts[lead["id"]]["source"] == "ai" and drafts[lead["id"]]["error"] is None
        for lead in leads[3:]
    )
    again, run = await _run(api, sessionmaker, box)
    assert again["prospects"] == 0
    assert run.status == "completed"


async def test_explicit_prospects_replace_unedited_drafts_only(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, writer: RecordingWriter
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    leads = await list_prospects(api, box.id)
    await insert_ai_rows(sessionmaker, box, leads[:1])
    await insert_ai_rows(sessionmaker, box, leads[1:2], manually_edited=True)
    ids = [lead["id"] for lead in leads[:2]]
    started, run = await _run(api, sessionmaker, box, prospect_ids=ids)
    assert started["prospects"] == 2
    assert run.status == "completed"
    drafts = {d["prospect_id"]: d for d in await _ai_messages(api, box)}
    assert drafts[ids[0]]["source"] == "ai"
    assert not drafts[ids[0]]["body_text"].startswith("Earlier")
    assert drafts[ids[1]]["body_text"].startswith("Earlier")  # edited: untouched, no call
    assert leads[2]["id"] not in drafts
    assert set(writer.calls) == {leads[0]["email"]}


async def test_a_failing_prospect_is_recorded_on_its_row(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    leads = await list_prospects(api, box.id)
    with recording_writer(failing={leads[1]["email"]}):
        _, run = await _run(api, sessionmaker, box)
    assert run.status == "completed"
    assert (run.progress_done, run.progress_failed) == (2, 1)
    drafts = {d["prospect_id"]: d for d in await _ai_messages(api, box)}
    failed = drafts[leads[1]["id"]]
    assert failed["body_text"] == ""
    assert failed["error"]["code"]
    launch = await api.post(f"/api/campaigns/{box.id}/launch")
    assert "ai node 0: 1 prospect(s) have no message" in launch.json()["error"]["message"]


async def test_spend_cap_is_402_and_nothing_changes(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, settings: Settings
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=3)
    leads = await list_prospects(api, box.id)
    await insert_ai_rows(sessionmaker, box, leads[:1])
    async with unit_of_work(sessionmaker) as session:
        usage = {"input_tokens": 1, "output_tokens": 1, "requests": 10, "cost_usd": 0.95}
        session.add(
            Run(
                id="run_" + uuid.uuid4().hex,
                user_id=account.user.id,
                kind="generate-ai-messages",
                status="completed",
                progress_total=10,
                progress_done=10,
                usage=usage,
            )
        )
    before = await _ai_messages(api, box)
    settings.spend_cap_usd_per_month = 1.0
    try:
        response = await _start(api, box)
    finally:
        settings.spend_cap_usd_per_month = 0.0
    assert response.status_code == 402, response.text
    error = response.json()["error"]
    assert error["code"] == "payment_required"
    assert "$0.95 spent" in error["message"]
    assert "$0.19 estimated for 2 prospect(s)" in error["message"]
    assert error["details"][0]["shortfall_usd"] == pytest.approx(0.14)
    assert await _ai_messages(api, box) == before
    async with unit_of_work(sessionmaker) as session:
        assert (await session.execute(select(func.count()).select_from(Run))).scalar_one() == 1


async def test_within_the_cap_the_run_starts(
    api: httpx.AsyncClient,
    sessionmaker: SessionMaker,
    account: Account,
    settings: Settings,
    writer: RecordingWriter,
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2)
    settings.spend_cap_usd_per_month = 1.0
    try:
        _, run = await _run(api, sessionmaker, box)
    finally:
        settings.spend_cap_usd_per_month = 0.0
    assert run.status == "completed"


async def test_no_skeleton_is_no_framework(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=1)
    nodes = (await api.post(f"/api/campaigns/{box.id}/sequence/nodes", json={"type": "ai"})).json()
    bare = next(
        n for n in nodes["sequence_nodes"] if n["type"] == "ai" and n["id"] != box.ai_node_id
    )
    for body in ({"node_id": bare["id"]},):
        response = await api.post(box.path, json={"action": "generate_ai", **body})
        assert response.status_code == 400
        assert response.json()["error"] == {"code": "no_framework", "message": NO_FRAMEWORK}
    await install_session(
        sessionmaker, user_id=account.user.id, campaign_id=box.id, node_id=bare["id"], skeleton={}
    )
    response = await api.post(box.path, json={"action": "generate_ai", "node_id": bare["id"]})
    assert response.json()["error"]["code"] == "no_framework"


async def test_the_node_must_be_an_ai_node_of_this_campaign(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    template = await api.post(box.path, json={"action": "generate_ai", "node_id": box.template_id})
    assert template.status_code == 400
    assert template.json()["error"]["code"] == "invalid_request"
    unknown = await api.post(box.path, json={"action": "generate_ai", "node_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    missing = await api.post(box.path, json={"action": "generate_ai"})
    assert missing.status_code == 400


async def test_unknown_prospect_ids_are_400(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=1)
    stranger = str(uuid.uuid4())
    response = await _start(api, box, prospect_ids=[stranger])
    assert response.status_code == 400
    assert stranger in response.json()["error"]["message"]


async def test_a_second_run_for_the_same_node_is_409(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id, prospects=2)
    with recording_writer(delay=0.5):
        first = await _start(api, box)
        assert first.status_code == 202
        second = await _start(api, box)
        assert second.status_code == 409
        assert second.json()["error"]["code"] == "conflict"
        chat = await api.get(f"/api/campaigns/ai-chat-sessions/{box.session_id}")
        assert chat.json()["session"]["task_status"] is None  # the chat is not blocked
        await wait_for_run(sessionmaker, first.json()["runId"], timeout=60)
    again = await _start(api, box, prospect_ids=[(await list_prospects(api, box.id))[0]["id"]])
    assert again.status_code == 202


async def test_generate_ai_needs_a_draft_campaign_and_ownership(
    api: httpx.AsyncClient, sessionmaker: SessionMaker, account: Account, other_account: Account
) -> None:
    box = await outbox_campaign(api, sessionmaker, account.user.id)
    body = {"action": "generate_ai", "node_id": box.ai_node_id}
    assert (await api.post(box.path, json=body, headers=other_account.headers)).status_code == 404
