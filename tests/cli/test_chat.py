"""`coldcraft chat`: generate-content, sessions, async turns."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from coldcraft.runs.claims import chat_claims
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.cli.conftest import (
    BRIEF,
    Invoke,
    campaign_with_ai_node,
    new_campaign,
    ok_json,
    session_with_skeleton,
)


async def test_send_returns_the_reply_and_a_skeleton(cli: Invoke) -> None:
    campaign_id, node_id = await campaign_with_ai_node(cli)
    reply = ok_json(await cli("chat", "send", campaign_id, "--node", node_id, BRIEF))
    keys = {"session_id", "assistant_message", "skeleton", "skeleton_updated", "model"}
    assert set(reply) == keys
    assert reply["model"] == "offline"
    assert reply["skeleton_updated"] is True
    assert reply["skeleton"]["subject"]


async def test_send_in_table_mode_prints_the_message_and_the_skeleton(cli: Invoke) -> None:
    campaign_id, node_id = await campaign_with_ai_node(cli)
    result = await cli("chat", "send", campaign_id, "--node", node_id, BRIEF, "-F", "table")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("assistant:")
    assert "skeleton (updated)" in result.stdout
    assert "exampleBody" in result.stdout


async def test_send_with_sample_leads_and_an_idempotency_key_replays(
    cli: Invoke, tmp_path: Path
) -> None:
    campaign_id, node_id = await campaign_with_ai_node(cli)
    leads = tmp_path / "leads.json"
    leads.write_text(json.dumps([{"first_name": "Sarah", "company": "Acme"}]))
    args = ("chat", "send", campaign_id, "--node", node_id, BRIEF, "--sample-leads", str(leads))
    first = ok_json(await cli(*args, "--idempotency-key", "send-1"))
    again = ok_json(await cli(*args, "--idempotency-key", "send-1"))
    assert again == first
    session = ok_json(await cli("chat", "get", first["session_id"]))["session"]
    assert [m["role"] for m in session["messages"]].count("user") == 1


async def test_send_to_a_non_ai_node_is_an_api_error(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    email_node = campaign["sequence_nodes"][0]["id"]
    result = await cli("chat", "send", campaign["id"], "--node", email_node, "hello")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "invalid_request"


async def test_create_then_sessions_get_update_delete(cli: Invoke) -> None:
    campaign_id, node_id = await campaign_with_ai_node(cli)
    session = ok_json(await cli("chat", "create", campaign_id, "--node", node_id))["session"]
    listed = ok_json(await cli("chat", "sessions", "--campaign", campaign_id))["sessions"]
    assert [s["id"] for s in listed] == [session["id"]]
    table = await cli("chat", "sessions", "--format", "table")
    assert "sessions (1)" in table.stdout
    got = ok_json(await cli("chat", "get", session["id"]))["session"]
    assert (got["campaign_id"], got["node_id"]) == (campaign_id, node_id)
    updated = ok_json(await cli("chat", "update", session["id"], "--title", "Ops pitch"))
    assert updated["session"]["title"] == "Ops pitch"
    assert ok_json(await cli("chat", "delete", session["id"])) == {"success": True}
    assert (await cli("chat", "get", session["id"])).exit_code == 1


async def test_update_with_a_skeleton_file_runs_the_judge(cli: Invoke, tmp_path: Path) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    good = ok_json(await cli("chat", "get", session_id))["session"]["skeleton"]
    path = tmp_path / "skeleton.json"
    path.write_text(json.dumps({**good, "subject": "Bad \u2014 dash"}))
    result = await cli("chat", "update", session_id, "--skeleton", str(path))
    assert result.exit_code == 1
    assert "em_dash" in result.stderr


async def test_turn_starts_a_run(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    started = ok_json(await cli("chat", "turn", session_id, "Make it shorter."))
    assert started["runId"].startswith("run_")
    assert started["publicAccessToken"]
    ok_json(await cli("runs", "wait", started["runId"]))


async def test_turn_with_wait_prints_the_run_and_the_reply(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    options = ("--var", "first_name,company", "--sequence-context", '{"position": 0}')
    result = ok_json(await cli("chat", "turn", session_id, "Make it shorter.", *options, "--wait"))
    assert result["run"]["kind"] == "framework-chat-turn"
    assert result["run"]["status"] == "completed"
    assert result["assistant_message"]
    assert result["skeleton"]["subject"]


async def test_update_drafts_and_examples(cli: Invoke, tmp_path: Path) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    examples = tmp_path / "examples.json"
    examples.write_text(json.dumps({"generated_examples": []}))
    session = ok_json(
        await cli(
            "chat", "update", session_id, "--draft-subject", "Subject A",
            "--draft-body", "Body A", "--examples", str(examples),
        )
    )["session"]  # fmt: skip
    assert (session["draft_subject"], session["draft_body"]) == ("Subject A", "Body A")
    assert session["generated_examples"] == []


async def test_a_busy_session_is_409_session_busy(cli: Invoke, sessionmaker: SessionMaker) -> None:
    campaign_id, node_id, session_id = await session_with_skeleton(cli)
    async with unit_of_work(sessionmaker) as session:  # a chat turn in flight (no run)
        await chat_claims.claim(
            session,
            chat_id=uuid.UUID(session_id),
            task_status="chat_processing",
            lease_seconds=900,
        )
    result = await cli("chat", "send", campaign_id, "--node", node_id, "Again", "-F", "table")
    assert result.exit_code == 1
    assert result.stderr.startswith("error (409 session_busy): Session is busy (chat_processing)")
