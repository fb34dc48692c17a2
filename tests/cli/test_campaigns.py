"""`coldcraft campaigns`: the lifecycle of a campaign."""

from __future__ import annotations

import json

from tests.cli.conftest import SENDER, Invoke, new_campaign, ok_json


async def _launchable(cli: Invoke) -> dict[str, object]:
    sender = ok_json(await cli(*SENDER))["sender"]
    campaign = await new_campaign(cli, "Q4 outreach", "--sender", sender["id"])
    email = campaign["sequence_nodes"][0]["id"]
    cid = campaign["id"]
    ok_json(
        await cli("nodes", "update", cid, email, "--subject", "Hi", "--body", "Hi %first_name%")
    )
    lead = '{"email": "ada@example.com", "first_name": "Ada"}'
    ok_json(await cli("leads", "add", cid, "--json", lead))
    ok_json(await cli("messages", "resolve", cid))
    return campaign


async def test_create_returns_a_draft_with_its_seeded_sequence(cli: Invoke) -> None:
    campaign = await new_campaign(cli, "Q4", "--daily-limit", "40", "--signature", "Sam")
    assert campaign["status"] == "draft"
    assert campaign["daily_limit"] == 40
    assert [n["type"] for n in campaign["sequence_nodes"]] == ["email", "end"]


async def test_create_with_a_sender(cli: Invoke) -> None:
    sender = ok_json(await cli("senders", "add", "--type", "linkedin", "--first-name", "Lin"))
    sender_id = sender["sender"]["id"]
    campaign = await new_campaign(cli, "LI", "--type", "linkedin", "--sender", sender_id)
    assert campaign["sender_account_ids"] == [sender_id]


async def test_duplicate_name_is_a_409_conflict(cli: Invoke) -> None:
    await new_campaign(cli, "Same")
    result = await cli("campaigns", "create", "--name", "Same")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "conflict"


async def test_list_shows_node_counts_in_json_and_table(cli: Invoke) -> None:
    campaign = await new_campaign(cli, "Listed")
    listed = ok_json(await cli("campaigns", "list"))["campaigns"]
    assert [(c["id"], c["node_count"]) for c in listed] == [(campaign["id"], 2)]
    table = await cli("campaigns", "list", "--format", "table")
    assert "campaigns (1)" in table.stdout
    assert "Listed" in table.stdout
    assert "node_count" in table.stdout


async def test_get_shows_nodes_and_prospects_by_status(cli: Invoke) -> None:
    campaign = await _launchable(cli)
    detail = ok_json(await cli("campaigns", "get", campaign["id"]))
    assert detail["campaign"]["id"] == campaign["id"]
    assert len(detail["sequence_nodes"]) == 2
    assert detail["prospects_by_status"] == {"pending": 1}
    table = await cli("campaigns", "get", campaign["id"], "-F", "table")
    assert "sequence_nodes (2)" in table.stdout


async def test_update_changes_only_the_given_fields(cli: Invoke) -> None:
    campaign = await new_campaign(cli, "Old", "--daily-limit", "10")
    updated = ok_json(await cli("campaigns", "update", campaign["id"], "--name", "New"))
    assert updated["campaign"]["name"] == "New"
    assert updated["campaign"]["daily_limit"] == 10


async def test_update_without_fields_is_a_usage_error(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    assert (await cli("campaigns", "update", campaign["id"])).exit_code == 2


async def test_delete_then_get_is_404(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    assert ok_json(await cli("campaigns", "delete", campaign["id"])) == {"success": True}
    assert (await cli("campaigns", "get", campaign["id"])).exit_code == 1


async def test_launch_pause_resume(cli: Invoke) -> None:
    campaign = await _launchable(cli)
    cid = campaign["id"]
    assert ok_json(await cli("campaigns", "launch", cid))["campaign"]["status"] == "active"
    assert ok_json(await cli("campaigns", "pause", cid))["campaign"]["status"] == "paused"
    assert ok_json(await cli("campaigns", "resume", cid))["campaign"]["status"] == "active"


async def test_launching_twice_is_wrong_status(cli: Invoke) -> None:
    campaign = await _launchable(cli)
    ok_json(await cli("campaigns", "launch", campaign["id"]))
    result = await cli("campaigns", "launch", campaign["id"], "--format", "table")
    assert result.exit_code == 1
    assert "wrong_status" in result.stderr
    assert "Campaign is active — must be draft to launch" in result.stderr


async def test_pausing_a_draft_is_refused(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    result = await cli("campaigns", "pause", campaign["id"])
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["message"] == "Only active campaigns can be paused"
