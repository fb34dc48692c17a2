"""What the framework agent is told: sequence place, variables, workspace rules, sender."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.chat.turn_context import available_var_names, sequence_context
from coldcraft.llm.context import read_section
from coldcraft.sequences.position import Touches
from coldcraft.skeletons.schema import Lead
from coldcraft.store.models import SequenceNode
from tests.fixtures.campaigns import create_sender
from tests.fixtures.chat import chat_target, send_ok
from tests.fixtures.runs import SEED_SKELETON
from tests.llm.scripted import call, text, tool_returns

Script = Callable[..., None]


def capturing(seen: list[dict[str, Any]]) -> Any:
    def step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append(read_section(info.instructions, "context"))
        return text("noted")

    return step


async def test_an_ai_node_after_the_first_email_is_a_follow_up_that_sees_it(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    target = await chat_target(api)
    campaign = (await api.get(f"/api/campaigns/{target.campaign_id}")).json()
    first = campaign["sequence_nodes"][0]
    url = f"/api/campaigns/{target.campaign_id}/sequence/nodes/{first['id']}"
    await api.put(url, json={"subject": "Hello %first_name%", "body": "First touch body"})
    seen: list[dict[str, Any]] = []
    use_script(capturing(seen))
    await send_ok(api, target, "write the follow-up")
    sequence = seen[0]["sequence"]
    assert sequence["position"] == 1
    assert sequence["total_nodes"] == 2  # delay and end nodes are not touches
    assert sequence["prior_nodes"] == [
        {"type": "email", "subject": "Hello %first_name%", "body": "First touch body"}
    ]


async def test_the_client_sequence_context_wins(api: httpx.AsyncClient, use_script: Script) -> None:
    target = await chat_target(api)
    seen: list[dict[str, Any]] = []
    use_script(capturing(seen))
    prior = [{"type": "email", "subject": "Earlier", "body": "Earlier body"}]
    context = {"position": 0, "total_nodes": 2, "prior_nodes": prior}
    await send_ok(api, target, "write", sequence_context=context)
    assert seen[0]["sequence"] == {"position": 0, "total_nodes": 2, "prior_nodes": prior}


async def test_a_client_sequence_context_is_held_to_the_real_sequence(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    """The campaign has two touches (an email, then the AI node): a client's numbers beyond
    them (the original docs send 4503599627370495) are held to the last touch."""
    target = await chat_target(api)
    seen: list[dict[str, Any]] = []
    use_script(capturing(seen))
    context = {"position": 4503599627370495, "total_nodes": 4503599627370495}
    await send_ok(api, target, "write", sequence_context=context)
    assert (seen[0]["sequence"]["position"], seen[0]["sequence"]["total_nodes"]) == (1, 2)


async def test_workspace_sender_campaign_and_node_reach_the_agent(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    sender = await create_sender(api, first_name="Sid")
    await api.put("/api/context", json={"context": {"product": "Flowly", "tone": "plain"}})
    target = await chat_target(api)
    await api.patch(
        f"/api/campaigns/{target.campaign_id}", json={"sender_account_ids": [sender["id"]]}
    )
    node_url = f"/api/campaigns/{target.campaign_id}/sequence/nodes/{target.node_id}"
    await api.put(node_url, json={"ai_node": {"purpose": "book a demo"}})
    seen: list[dict[str, Any]] = []
    use_script(capturing(seen))
    await send_ok(api, target, "write")
    context = seen[0]
    assert context["workspace_context"] == {"product": "Flowly", "tone": "plain"}
    assert context["sender"]["first_name"] == "Sid"
    assert context["campaign"] == {"name": "Chat campaign", "type": "email"}
    assert context["node_purpose"] == "book a demo"
    assert context["output_type"] == "email"
    assert "custom_fields.industry" in context["available_var_names"]
    assert {lead["first_name"] for lead in context["sample_leads"]} == {"Sarah", "Tom"}


async def test_house_rules_tighten_the_judge_of_the_turn(
    api: httpx.AsyncClient, use_script: Script
) -> None:
    rules = {"house_rules": {"banned_words": ["paperwork"]}}
    await api.put("/api/context", json={"context": rules})
    issues: list[Any] = []

    def step(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        returns = tool_returns(messages, "updateSkeleton")
        if not returns:
            return call("updateSkeleton", SEED_SKELETON)
        issues.extend(returns[0].content["issues"])  # type: ignore[index]
        return text("blocked")

    use_script(step)
    reply = await send_ok(api, await chat_target(api), "write")
    assert reply["skeleton"] is None
    assert "banned_phrase" in {issue["rule"] for issue in issues}
    assert "paperwork" in json.dumps(issues)


def test_variable_names_are_lead_custom_and_sender_fields() -> None:
    leads = [Lead(first_name="A", custom_fields={"tier": "gold", "Bad Key": 1})]
    names = available_var_names(leads)
    assert names[:2] == ["first_name", "last_name"]
    assert "custom_fields.tier" in names
    assert "custom_fields.Bad Key" not in names  # the judge would reject it
    assert names[-5:] == ["sender_first", "sender_last", "sender_name", "sender_email", "signature"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (["company", "custom_fields.tier", "no such name!"], ["company", "custom_fields.tier"]),
        (["%%%"], None),
        ([], None),
    ],
)
def test_a_client_variable_list_is_used_when_it_names_real_fields(
    requested: list[str], expected: list[str] | None
) -> None:
    computed = available_var_names([])
    assert available_var_names([], requested) == (expected or computed)


def test_sequence_context_ignores_malformed_client_values() -> None:
    nodes = [_node("email"), _node("delay"), _node("ai"), _node("end")]
    touches = Touches.of(nodes)
    contents = [{"type": n.type} for n in touches.nodes]
    given = {"position": "two", "total_nodes": -1, "prior_nodes": "x"}
    context = sequence_context(given, touches, contents, nodes[2].id)
    assert (context.position, context.total_nodes) == (1, 2)
    assert context.prior_nodes == [{"type": "email"}]


def _node(node_type: str) -> SequenceNode:
    return SequenceNode(id=uuid.uuid4(), campaign_id=uuid.uuid4(), position=0, type=node_type)
