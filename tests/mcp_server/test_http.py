"""The MCP server over Streamable HTTP at /mcp: the tools, keys, scopes and ownership."""

from __future__ import annotations

import json

import httpx
from jsonschema import Draft202012Validator

from coldcraft.accounts.scopes import parse_scopes
from coldcraft.accounts.service import account_service
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import add_prospect, create_campaign, create_sender, fill_email_node
from tests.fixtures.factories import Account
from tests.mcp_server.conftest import Connect, data, error_text
from tests.mcp_server.pipeline import launch_and_export, run_pipeline

TOOLS = {
    "list_campaigns", "get_campaign", "create_campaign", "update_campaign", "add_sequence_step",
    "add_prospects",
    "chat_framework", "lint_skeleton", "judge_email", "generate_examples", "get_run",
    "wait_for_run", "resolve_drafts", "generate_drafts", "review_summary", "list_drafts",
    "edit_draft", "approve_drafts", "reject_drafts", "regenerate_drafts", "quote",
    "launch_campaign", "pause_campaign", "resume_campaign", "export_drafts",
}  # fmt: skip
READ_ONLY = {
    "list_campaigns", "get_campaign", "lint_skeleton", "judge_email", "get_run", "wait_for_run",
    "review_summary", "list_drafts", "quote", "export_drafts",
}  # fmt: skip


async def test_the_tool_list(connect: Connect, account: Account) -> None:
    async with connect(account.key) as client:
        tools = (await client.list_tools()).tools
    assert {tool.name for tool in tools} == TOOLS
    for tool in tools:
        assert tool.input_schema["type"] == "object", tool.name
        Draft202012Validator.check_schema(tool.input_schema)
        if tool.output_schema is not None:
            Draft202012Validator.check_schema(tool.output_schema)
        assert tool.description, tool.name
        assert tool.annotations is not None, tool.name
        read_only = tool.annotations.read_only_hint
        assert read_only is (tool.name in READ_ONLY), tool.name


async def test_list_campaigns(connect: Connect, account: Account) -> None:
    async with connect(account.key) as client:
        result = await client.call_tool("list_campaigns", {})
    assert data(result)["total"] == 0


async def test_without_a_key_is_401_in_the_envelope(live_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{live_url}/mcp", json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_the_pipeline_from_create_to_a_confirmed_launch(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    sender = await create_sender(api)
    async with connect(account.key) as client:
        outcome = await run_pipeline(client, sender["id"])
        await launch_and_export(client, outcome["campaign_id"], outcome["drafts"])


async def test_launch_without_confirm_changes_nothing(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    campaign = await create_campaign(api)
    before = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    async with connect(account.key) as client:
        answer = data(await client.call_tool("launch_campaign", {"campaign_id": campaign["id"]}))
    assert answer["launched"] is False
    assert answer["can_launch"] is False
    assert any("prospect" in p["message"] for p in answer["problems"])
    after = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    assert after == before


async def _key(sessionmaker: SessionMaker, scopes: str) -> str:
    async with unit_of_work(sessionmaker) as session:
        _, key = await account_service.create_key(
            session, email="owner@example.com", scopes=parse_scopes(scopes)
        )
    return key


async def test_a_read_key_can_list_but_not_create(
    connect: Connect, account: Account, sessionmaker: SessionMaker
) -> None:
    async with connect(await _key(sessionmaker, "read")) as client:
        assert data(await client.call_tool("list_campaigns", {}))["total"] == 0
        result = await client.call_tool(
            "create_campaign", {"campaign": {"type": "email", "name": "Nope"}}
        )
    assert "insufficient_scope" in error_text(result)
    assert "'write'" in error_text(result)


async def test_update_campaign_turns_research_on_and_changes_only_what_is_given(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    campaign = await create_campaign(api)
    async with connect(account.key) as client:
        changes = {"research": True, "review_policy": "all"}
        view = data(
            await client.call_tool(
                "update_campaign", {"campaign_id": campaign["id"], "changes": changes}
            )
        )
        null_research = await client.call_tool(
            "update_campaign", {"campaign_id": campaign["id"], "changes": {"research": None}}
        )
        unknown = await client.call_tool(
            "update_campaign", {"campaign_id": campaign["id"], "changes": {"status": "active"}}
        )

    assert view["campaign"]["research"] is True
    assert view["campaign"]["review_policy"] == "all"
    assert view["campaign"]["name"] == campaign["name"]
    assert null_research.is_error
    assert unknown.is_error
    stored = (await api.get(f"/api/campaigns/{campaign['id']}")).json()["campaign"]
    assert (stored["research"], stored["review_policy"], stored["status"]) == (
        True,
        "all",
        "draft",
    )


async def test_a_write_key_cannot_launch(
    connect: Connect, account: Account, api: httpx.AsyncClient, sessionmaker: SessionMaker
) -> None:
    campaign = await create_campaign(api)
    await fill_email_node(api, campaign)
    await add_prospect(api, campaign["id"])
    await api.patch(f"/api/campaigns/{campaign['id']}", json={"review_policy": "none"})
    sender = await create_sender(api)
    body = {"sender_account_ids": [sender["id"]]}
    assert (await api.patch(f"/api/campaigns/{campaign['id']}", json=body)).status_code == 200
    async with connect(await _key(sessionmaker, "read,write")) as client:
        dry = data(await client.call_tool("launch_campaign", {"campaign_id": campaign["id"]}))
        assert dry["can_launch"] is True, dry["problems"]
        result = await client.call_tool(
            "launch_campaign", {"campaign_id": campaign["id"], "confirm": True}
        )
        assert "insufficient_scope" in error_text(result)
        assert "'launch'" in error_text(result)
        for tool in ("pause_campaign", "resume_campaign"):
            refused = await client.call_tool(tool, {"campaign_id": campaign["id"]})
            assert "insufficient_scope" in error_text(refused), tool
    after = (await api.get(f"/api/campaigns/{campaign['id']}")).json()
    assert after["campaign"]["status"] == "draft"


async def test_another_accounts_ids_are_not_found(
    connect: Connect, api: httpx.AsyncClient, other_account: Account
) -> None:
    campaign = await create_campaign(api)
    async with connect(other_account.key) as client:
        for tool, args in (
            ("get_campaign", {"campaign_id": campaign["id"]}),
            ("review_summary", {"campaign_id": campaign["id"]}),
            ("launch_campaign", {"campaign_id": campaign["id"], "confirm": True}),
        ):
            result = await client.call_tool(tool, args)
            assert "not_found" in error_text(result), tool
        assert data(await client.call_tool("list_campaigns", {}))["total"] == 0


async def test_a_bad_argument_is_a_tool_error_not_a_crash(
    connect: Connect, account: Account
) -> None:
    async with connect(account.key) as client:
        bad_id = await client.call_tool("get_campaign", {"campaign_id": "not-a-uuid"})
        assert bad_id.is_error
        assert "campaign_id" in error_text(bad_id)
        missing = await client.call_tool("create_campaign", {"campaign": {"type": "fax"}})
        assert missing.is_error
        selection = await client.call_tool(
            "approve_drafts", {"campaign_id": "00000000-0000-0000-0000-000000000000"}
        )
        assert "invalid_request" in error_text(selection)
        wait = await client.call_tool("wait_for_run", {"run_id": "run_x", "seconds": 100000})
        assert wait.is_error
        # The server is still there.
        assert data(await client.call_tool("list_campaigns", {}))["total"] == 0


async def test_judge_email_uses_the_house_rules(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    email = {"subject": "Quick idea", "body": "Hi Ada, our widget saves time. Worth a chat?"}
    async with connect(account.key) as client:
        before = data(await client.call_tool("judge_email", {"email": email}))
        house = {"context": {"house_rules": {"banned_words": ["widget"]}}}
        assert (await api.put("/api/context", json=house)).status_code == 200
        after = data(await client.call_tool("judge_email", {"email": email}))
    assert "banned_words" not in {i["rule"] for i in before["issues"]}
    assert {i["rule"] for i in after["issues"]} - {i["rule"] for i in before["issues"]}
    assert after["passed"] is False


async def test_resources_and_the_prompt(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    campaign = await create_campaign(api)
    async with connect(account.key) as client:
        rules = await client.read_resource("coldcraft://judge/rules")
        body = json.loads(getattr(rules.contents[0], "text", ""))
        assert {"rule", "checks", "severity", "threshold"} <= set(body["rules"][0])
        assert body["thresholds"]["subject_max_chars"] > 0
        read = await client.read_resource(f"coldcraft://campaigns/{campaign['id']}")
        assert campaign["id"] in getattr(read.contents[0], "text", "")
        prompts = (await client.list_prompts()).prompts
        assert "campaign_from_brief" in {p.name for p in prompts}
        walk = await client.get_prompt("campaign_from_brief", {"brief": "Sell Relay to ops"})
        text = getattr(walk.messages[0].content, "text", "")
        assert "Sell Relay to ops" in text
        assert "confirm: true" in text


async def test_lists_answer_20_at_a_time_with_a_cursor(
    connect: Connect, account: Account, api: httpx.AsyncClient
) -> None:
    for i in range(23):
        await create_campaign(api, name=f"Campaign {i}")
    async with connect(account.key) as client:
        first = data(await client.call_tool("list_campaigns", {}))
        assert (first["total"], len(first["campaigns"])) == (23, 20)
        rest = data(await client.call_tool("list_campaigns", {"cursor": first["next_cursor"]}))
        assert (len(rest["campaigns"]), rest["next_cursor"]) == (3, None)
        seen = {c["id"] for c in first["campaigns"]} | {c["id"] for c in rest["campaigns"]}
        assert len(seen) == 23
        bad = await client.call_tool("list_campaigns", {"cursor": "abc"})
        assert "invalid_request" in error_text(bad)


async def test_a_bad_key_is_401(live_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{live_url}/mcp", json={}, headers={"Authorization": "Bearer pk_live_nope"}
        )
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Invalid or revoked API key"


async def test_one_rule_of_the_judge(connect: Connect, account: Account) -> None:
    async with connect(account.key) as client:
        read = await client.read_resource("coldcraft://judge/rules?rule=em_dash")
    body = json.loads(getattr(read.contents[0], "text", ""))
    assert [rule["rule"] for rule in body["rules"]] == ["em_dash"]
