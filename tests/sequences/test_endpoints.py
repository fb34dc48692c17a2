from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.campaigns import add_node, create_campaign, launched_campaign, list_nodes

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def _types(nodes: list[dict[str, Any]]) -> list[str]:
    assert [n["position"] for n in nodes] == list(range(len(nodes)))
    return [n["type"] for n in nodes]


def _url(campaign: dict[str, Any], node_id: str | None = None) -> str:
    url = f"/api/campaigns/{campaign['id']}/sequence/nodes"
    return f"{url}/{node_id}" if node_id else url


async def test_new_node_goes_just_before_end(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    nodes = await add_node(api, campaign["id"], type="delay", delay_days=2)
    assert _types(nodes) == ["email", "delay", "end"]
    assert (nodes[1]["delay_days"], nodes[1]["delay_hours"], nodes[1]["delay_minutes"]) == (2, 0, 0)
    assert nodes[1]["subject"] is None
    assert nodes[1]["body"] is None


async def test_node_at_a_position_shifts_the_rest(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    await add_node(api, campaign["id"], type="delay")
    nodes = await add_node(api, campaign["id"], type="email", position=0, subject="Hi", body="B")
    assert _types(nodes) == ["email", "email", "delay", "end"]
    assert (nodes[0]["subject"], nodes[0]["body"]) == ("Hi", "B")


async def test_position_at_end_slot_inserts_before_end(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    nodes = await add_node(api, campaign["id"], type="delay", position=1)
    assert _types(nodes) == ["email", "delay", "end"]


async def test_position_past_end_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.post(_url(campaign), json={"type": "delay", "position": 2})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "position must be between 0 and 1 (the end node stays last)"
    )


async def test_ai_node_defaults_output_type_to_the_channel(api: httpx.AsyncClient) -> None:
    email = await create_campaign(api, name="E")
    nodes = await add_node(api, email["id"], type="ai", ai_node={"purpose": "Open"})
    assert nodes[1]["ai_node"] == {"purpose": "Open", "output_type": "email"}
    linkedin = await create_campaign(api, type="linkedin", name="L")
    nodes = await add_node(api, linkedin["id"], type="ai")
    assert nodes[1]["ai_node"] == {"purpose": "", "output_type": "linkedin_message"}


@pytest.mark.parametrize(
    ("channel", "node_type"),
    [("email", "message"), ("email", "connection_request"), ("linkedin", "email")],
)
async def test_node_type_of_the_other_channel_is_400(
    api: httpx.AsyncClient, channel: str, node_type: str
) -> None:
    campaign = await create_campaign(api, type=channel)
    response = await api.post(_url(campaign), json={"type": node_type})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(
        f"A {channel} campaign cannot have a {node_type} node"
    )


async def test_second_end_node_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.post(_url(campaign), json={"type": "end"})
    assert response.status_code == 400
    assert "exactly one end node" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "sms"},
        {},
        {"type": "delay", "delay_hours": 24},
        {"type": "delay", "delay_days": -1},
        {"type": "email", "subject": "x" * 1001},
        {"type": "email", "position": -1},
        {"type": "email", "id": UNKNOWN_ID},
        {"type": "ai", "ai_node": {"output_type": "fax"}},
    ],
)
async def test_invalid_node_is_400(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    campaign = await create_campaign(api)
    response = await api.post(_url(campaign), json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert len(await list_nodes(api, campaign["id"])) == 2


async def test_update_changes_content_only(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    node = campaign["sequence_nodes"][0]
    response = await api.put(_url(campaign, node["id"]), json={"subject": "Hello"})
    assert response.status_code == 200
    updated = response.json()["node"]
    assert (updated["subject"], updated["body"], updated["position"]) == ("Hello", "", 0)
    response = await api.put(_url(campaign, node["id"]), json={"body": "Text", "ai_node": {}})
    assert (response.json()["node"]["subject"], response.json()["node"]["body"]) == (
        "Hello",
        "Text",
    )
    assert response.json()["node"]["ai_node"] is None  # ignored unless type ai


async def test_update_merges_ai_node(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    nodes = await add_node(api, campaign["id"], type="ai", ai_node={"purpose": "Open"})
    url = _url(campaign, nodes[1]["id"])
    response = await api.put(url, json={"ai_node": {"output_type": "linkedin_message"}})
    assert response.json()["node"]["ai_node"] == {
        "purpose": "Open",
        "output_type": "linkedin_message",
    }
    assert (await list_nodes(api, campaign["id"]))[1]["ai_node"]["output_type"] == (
        "linkedin_message"
    )


@pytest.mark.parametrize("body", [{"type": "delay"}, {"position": 1}, {"subject": 5}])
async def test_update_of_type_or_position_is_400(
    api: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    campaign = await create_campaign(api)
    response = await api.put(_url(campaign, campaign["sequence_nodes"][0]["id"]), json=body)
    assert response.status_code == 400


async def test_update_of_unknown_node_is_404(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    other = await create_campaign(api, name="Other")
    foreign = other["sequence_nodes"][0]["id"]
    for node_id in (UNKNOWN_ID, foreign):
        response = await api.put(_url(campaign, node_id), json={"subject": "x"})
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "Sequence node not found"


async def test_move_reorders_and_keeps_end_last(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    await add_node(api, campaign["id"], type="delay")
    nodes = await add_node(api, campaign["id"], type="ai")
    response = await api.patch(_url(campaign), json={"nodeId": nodes[2]["id"], "toPosition": 0})
    assert response.status_code == 200
    assert _types(response.json()["sequence_nodes"]) == ["ai", "email", "delay", "end"]
    response = await api.patch(_url(campaign), json={"nodeId": nodes[2]["id"], "toPosition": 2})
    assert _types(response.json()["sequence_nodes"]) == ["email", "delay", "ai", "end"]


async def test_move_into_or_of_end_is_400(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    first, end = campaign["sequence_nodes"]
    into = await api.patch(_url(campaign), json={"nodeId": first["id"], "toPosition": 1})
    assert into.status_code == 400
    assert into.json()["error"]["message"] == (
        "toPosition must be between 0 and 0 (the end node stays last)"
    )
    move_end = await api.patch(_url(campaign), json={"nodeId": end["id"], "toPosition": 0})
    assert move_end.status_code == 400
    assert move_end.json()["error"]["message"] == "The end node cannot be moved: it stays last"


async def test_move_of_unknown_node_is_404(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.patch(_url(campaign), json={"nodeId": UNKNOWN_ID, "toPosition": 0})
    assert response.status_code == 404


async def test_delete_renumbers(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    nodes = await add_node(api, campaign["id"], type="delay")
    response = await api.request("DELETE", _url(campaign), json={"nodeId": nodes[0]["id"]})
    assert response.status_code == 200
    assert _types(response.json()["sequence_nodes"]) == ["delay", "end"]
    assert _types(await list_nodes(api, campaign["id"])) == ["delay", "end"]


async def test_end_node_cannot_be_deleted(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    end = campaign["sequence_nodes"][1]
    response = await api.request("DELETE", _url(campaign), json={"nodeId": end["id"]})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "The end node cannot be deleted"


async def test_delete_of_unknown_node_is_404(api: httpx.AsyncClient) -> None:
    campaign = await create_campaign(api)
    response = await api.request("DELETE", _url(campaign), json={"nodeId": UNKNOWN_ID})
    assert response.status_code == 404


async def test_every_node_mutation_needs_a_draft(api: httpx.AsyncClient) -> None:
    campaign = await launched_campaign(api)
    first = campaign["sequence_nodes"][0]
    before = await list_nodes(api, campaign["id"])
    calls = [
        api.post(_url(campaign), json={"type": "delay"}),
        api.put(_url(campaign, first["id"]), json={"subject": "x"}),
        api.patch(_url(campaign), json={"nodeId": first["id"], "toPosition": 0}),
        api.request("DELETE", _url(campaign), json={"nodeId": first["id"]}),
    ]
    for call in calls:
        response = await call
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "wrong_status",
            "message": "Campaign is active — must be draft to modify",
        }
    assert await list_nodes(api, campaign["id"]) == before
