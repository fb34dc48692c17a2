"""The MCP server over Streamable HTTP at /mcp: the tools, keys, scopes and ownership."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import Account
from tests.mcp_server.conftest import Connect, data

TOOLS = {
    "list_campaigns", "get_campaign", "create_campaign", "add_sequence_step", "add_prospects",
    "chat_framework", "lint_skeleton", "judge_email", "generate_examples", "get_run",
    "wait_for_run", "resolve_drafts", "generate_drafts", "review_summary", "list_drafts",
    "edit_draft", "approve_drafts", "reject_drafts", "regenerate_drafts", "quote",
    "launch_campaign", "pause_campaign", "export_drafts",
}  # fmt: skip


async def test_the_tool_list(connect: Connect, account: Account) -> None:
    async with connect(account.key) as client:
        tools = (await client.list_tools()).tools
    assert {tool.name for tool in tools} == TOOLS
    for tool in tools:
        assert tool.input_schema["type"] == "object", tool.name
        assert tool.description, tool.name
        assert tool.annotations is not None, tool.name


async def test_list_campaigns(connect: Connect, account: Account) -> None:
    async with connect(account.key) as client:
        result = await client.call_tool("list_campaigns", {})
    assert data(result)["total"] == 0


async def test_without_a_key_is_401_in_the_envelope(live_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{live_url}/mcp", json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
