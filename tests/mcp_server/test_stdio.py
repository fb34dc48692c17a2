"""`coldcraft mcp` as an agent starts it: a subprocess spoken to over stdin/stdout by the
SDK's client, as a client of a live server (COLDCRAFT_API_URL + key) or embedded."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from mcp import Client, StdioServerParameters

from coldcraft.accounts.scopes import parse_scopes
from coldcraft.accounts.service import account_service
from coldcraft.demo.script import ACCOUNT_EMAIL
from coldcraft.store.session import SessionMaker, unit_of_work
from tests.fixtures.campaigns import create_sender
from tests.fixtures.factories import Account
from tests.mcp_server.conftest import data, error_text
from tests.mcp_server.pipeline import launch_and_export, run_pipeline
from tests.mcp_server.test_http import TOOLS


@asynccontextmanager
async def stdio_mcp(env: dict[str, str]) -> AsyncIterator[Client]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "coldcraft.cli.main", "mcp"], env=env
    )
    async with Client(params, cache=None) as client:
        yield client


async def test_client_mode_tools_and_scopes(
    live_url: str, account: Account, sessionmaker: SessionMaker
) -> None:
    async with unit_of_work(sessionmaker) as session:
        _, key = await account_service.create_key(
            session, email="owner@example.com", scopes=parse_scopes("read")
        )
    async with stdio_mcp({"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": key}) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
        assert data(await client.call_tool("list_campaigns", {}))["total"] == 0
        result = await client.call_tool(
            "create_campaign", {"campaign": {"type": "email", "name": "Nope"}}
        )
        assert "insufficient_scope" in error_text(result)
        bad = await client.call_tool("get_run", {})
        assert bad.is_error


@pytest.mark.slow
async def test_client_mode_pipeline_to_a_confirmed_launch(
    live_url: str, account: Account, api: httpx.AsyncClient
) -> None:
    sender = await create_sender(api)
    env = {"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": account.key}
    async with stdio_mcp(env) as client:
        outcome = await run_pipeline(client, sender["id"])
        await launch_and_export(client, outcome["campaign_id"], outcome["drafts"])


@pytest.mark.slow
async def test_embedded_mode_serves_the_local_data_directory(tmp_path: Path) -> None:
    env = {
        "COLDCRAFT_DATA_DIR": str(tmp_path),
        "COLDCRAFT_CHAT_MODEL": "offline",
        "COLDCRAFT_WRITER_MODEL": "offline",
    }
    async with stdio_mcp(env) as client:
        assert {tool.name for tool in (await client.list_tools()).tools} == TOOLS
        campaign = {"campaign": {"type": "email", "name": "Local"}}
        created = data(await client.call_tool("create_campaign", campaign))
        listed = data(await client.call_tool("list_campaigns", {}))
    assert listed["total"] == 1
    assert listed["campaigns"][0]["id"] == created["campaign"]["id"]
    assert (tmp_path / "coldcraft.db").exists()
    async with stdio_mcp(env) as client:  # a second start sees the same data
        assert data(await client.call_tool("list_campaigns", {}))["total"] == 1
    # Each start made a key for the local account and revoked it on the way out.
    keys = subprocess.run(
        [sys.executable, "-m", "coldcraft.cli.main", "keys", "list", "--email", ACCOUNT_EMAIL],
        env={k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")} | env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert len(keys) == 2
    assert all(line.endswith("revoked") for line in keys), keys
