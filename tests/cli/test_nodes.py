"""`coldcraft nodes`: a campaign's sequence."""

from __future__ import annotations

import json

from tests.cli.conftest import Invoke, add_ai_node, new_campaign, ok_json


async def test_add_goes_before_end_by_default(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    nodes = ok_json(
        await cli("nodes", "add", campaign["id"], "--type", "delay", "--delay-days", "3")
    )["sequence_nodes"]
    assert [(n["position"], n["type"]) for n in nodes] == [(0, "email"), (1, "delay"), (2, "end")]
    assert nodes[1]["delay_days"] == 3


async def test_add_an_ai_node_with_its_purpose(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    node = await add_ai_node(cli, campaign["id"])
    assert node["ai_node"]["purpose"] == "First touch"
    assert node["ai_node"]["output_type"] == "email"


async def test_add_at_a_position(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    nodes = ok_json(
        await cli("nodes", "add", campaign["id"], "--type", "email", "--position", "0")
    )["sequence_nodes"]
    assert [n["type"] for n in nodes] == ["email", "email", "end"]
    assert nodes[0]["id"] != campaign["sequence_nodes"][0]["id"]


async def test_update_content_and_ai_fields(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    ai = await add_ai_node(cli, campaign["id"])
    node = ok_json(
        await cli("nodes", "update", campaign["id"], ai["id"], "--purpose", "Follow-up")
    )["node"]
    assert node["ai_node"]["purpose"] == "Follow-up"
    email = campaign["sequence_nodes"][0]["id"]
    node = ok_json(
        await cli("nodes", "update", campaign["id"], email, "--subject", "Hi", "--body", "Yo")
    )["node"]
    assert (node["subject"], node["body"]) == ("Hi", "Yo")


async def test_move_and_delete_renumber(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    ai = await add_ai_node(cli, campaign["id"])
    moved = ok_json(await cli("nodes", "move", campaign["id"], ai["id"], "--to", "0"))
    assert [n["type"] for n in moved["sequence_nodes"]] == ["ai", "email", "end"]
    left = ok_json(await cli("nodes", "delete", campaign["id"], ai["id"]))["sequence_nodes"]
    assert [(n["position"], n["type"]) for n in left] == [(0, "email"), (1, "end")]


async def test_list_in_order_and_as_table(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    await add_ai_node(cli, campaign["id"])
    nodes = ok_json(await cli("nodes", "list", campaign["id"]))["sequence_nodes"]
    assert [n["type"] for n in nodes] == ["email", "ai", "end"]
    table = await cli("nodes", "list", campaign["id"], "--format", "table")
    assert "sequence_nodes (3)" in table.stdout


async def test_a_wrong_node_type_is_an_api_error(cli: Invoke) -> None:
    campaign = await new_campaign(cli)
    result = await cli("nodes", "add", campaign["id"], "--type", "connection_request")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "invalid_request"
