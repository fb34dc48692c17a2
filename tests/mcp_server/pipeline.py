"""The whole pipeline through the MCP tools, from create_campaign to a confirmed launch, on
the offline model: shared by the Streamable HTTP and the stdio tests."""

from __future__ import annotations

import csv as csv_module
import io
import json
from typing import Any

from mcp import Client

from coldcraft.demo import script
from tests.mcp_server.conftest import data

LEADS = [
    {"email": f"lead{i}@example.com", "first_name": name, "last_name": "Lee", "company": co}
    for i, (name, co) in enumerate([("Ada", "Brightpath"), ("Bo", "Quillstack"), ("Cy", "Nimbl")])
]


async def run_pipeline(client: Client, sender_id: str) -> dict[str, Any]:
    """Every step, with the checks an agent would make; answers what the test looks at."""
    created = data(
        await client.call_tool(
            "create_campaign",
            {
                "campaign": {
                    "type": "email",
                    "name": "MCP pipeline",
                    "sender_account_ids": [sender_id],
                },
                "first_step": {"subject": script.FOLLOW_UP_SUBJECT, "body": script.FOLLOW_UP_BODY},
            },
        )
    )
    campaign_id = created["campaign"]["id"]
    assert created["campaign"]["status"] == "draft"
    step = {"type": "ai", "position": 0, "ai_node": {"purpose": script.AI_PURPOSE}}
    view = data(
        await client.call_tool("add_sequence_step", {"campaign_id": campaign_id, "step": step})
    )
    [ai_step] = view["ai_step_ids"]
    delay = {"type": "delay", "position": 1, "delay_days": 3}
    await client.call_tool("add_sequence_step", {"campaign_id": campaign_id, "step": delay})
    added = data(
        await client.call_tool("add_prospects", {"campaign_id": campaign_id, "prospects": LEADS})
    )
    assert added["imported"] == len(LEADS)

    skeleton = None
    for message in script.CHAT_TURNS:
        turn = {"node_id": ai_step, "message": message}
        reply = data(
            await client.call_tool("chat_framework", {"campaign_id": campaign_id, "turn": turn})
        )
        assert reply["spend"]["action"] == "chat_turn"  # what the turn was quoted to spend
        skeleton = reply["skeleton"] or skeleton
    assert skeleton is not None
    lint = data(await client.call_tool("lint_skeleton", {"lint": {"skeleton": skeleton}}))
    assert "passed" in lint

    session_id = reply["session_id"]
    stored = await client.read_resource(f"coldcraft://sessions/{session_id}/skeleton")
    assert json.loads(getattr(stored.contents[0], "text", "null")) == skeleton
    examples = data(
        await client.call_tool("generate_examples", {"session_id": session_id, "count": 2})
    )
    assert examples["items"] == 2
    assert examples["spend"]["action"] == "generate_examples"
    await finish(client, examples["run_id"])

    resolved = data(await client.call_tool("resolve_drafts", {"campaign_id": campaign_id}))
    assert "generate_drafts" in resolved["next_step"]
    started = data(
        await client.call_tool("generate_drafts", {"campaign_id": campaign_id, "node_id": ai_step})
    )
    # The two prospects with an example already have their draft: the run writes the rest.
    assert started["items"] == len(LEADS) - 2
    assert started["spend"]["action"] == "generate_ai"
    assert started["spend"]["items"] == started["items"]
    await finish(client, started["run_id"])
    again = data(
        await client.call_tool(
            "regenerate_drafts",
            {"campaign_id": campaign_id, "filter": {"node_id": ai_step}, "instruction": "Shorter"},
        )
    )
    assert again["spend"]["action"] == "regenerate"
    await finish(client, again["run_id"])

    summary = data(await client.call_tool("review_summary", {"campaign_id": campaign_id}))
    assert summary["total"] == 2 * len(LEADS)  # the AI first touch and the follow-up
    drafts = data(await client.call_tool("list_drafts", {"campaign_id": campaign_id}))
    assert drafts["total"] == summary["total"]
    assert drafts["next_cursor"] is None
    ai_drafts = [d for d in drafts["drafts"] if d["source"] == "ai"]
    assert ai_drafts
    for draft in ai_drafts:  # each AI block says what it rests on (offline: lead fields)
        assert draft["evidence"]
        assert all(line.startswith("block ") for line in draft["evidence"])
    assert any("=" in line for d in ai_drafts for line in d["evidence"])  # a field=value
    first = drafts["drafts"][0]
    edit = {"message_id": first["id"], "body_text": "Hi Ada,\n\nEdited by hand.\n\nSid"}
    edited = data(await client.call_tool("edit_draft", {"campaign_id": campaign_id, "edit": edit}))
    assert edited["body"].startswith("Hi Ada")
    none = data(
        await client.call_tool(
            "reject_drafts", {"campaign_id": campaign_id, "filter": {"review": "rejected"}}
        )
    )
    assert none["matched"] == 0
    approved = data(
        await client.call_tool(
            "approve_drafts", {"campaign_id": campaign_id, "filter": {"status": "draft"}}
        )
    )
    assert approved["matched"] == summary["total"]

    dry = data(await client.call_tool("launch_campaign", {"campaign_id": campaign_id}))
    assert dry["launched"] is False
    assert dry["can_launch"] is True, dry["problems"]
    assert "confirm: true" in dry["next_step"]
    assert f"{summary['total']} unrejected draft(s)" in dry["would"]
    still = data(await client.call_tool("get_campaign", {"campaign_id": campaign_id}))
    assert still["campaign"]["status"] == "draft"
    return {"campaign_id": campaign_id, "drafts": summary["total"], "dry": dry}


async def launch_and_export(client: Client, campaign_id: str, drafts: int) -> None:
    launched = data(
        await client.call_tool("launch_campaign", {"campaign_id": campaign_id, "confirm": True})
    )
    assert launched["launched"] is True
    assert launched["status"] == "active"
    paused = data(await client.call_tool("pause_campaign", {"campaign_id": campaign_id}))
    assert paused["status"] == "paused"
    resumed = data(await client.call_tool("resume_campaign", {"campaign_id": campaign_id}))
    assert resumed["status"] == "active"
    export = await client.call_tool("export_drafts", {"campaign_id": campaign_id})
    link = data(export)
    assert link["rows"] == drafts
    assert any(getattr(block, "type", "") == "resource_link" for block in export.content)
    csv = await client.read_resource(link["uri"])
    rows = list(csv_module.DictReader(io.StringIO(getattr(csv.contents[0], "text", ""))))
    assert len(rows) == drafts  # one row a message, not inlined in the tool's answer


async def finish(client: Client, run_id: str) -> None:
    """wait_for_run until the run is over (each call waits at most 30 s)."""
    run: dict[str, Any] = {"finished": False}
    for _ in range(10):
        run = data(await client.call_tool("wait_for_run", {"run_id": run_id, "seconds": 30}))
        if run["finished"]:
            break
    assert run["run"]["status"] == "completed", run
