"""MCP tests go through the SDK's own client: over Streamable HTTP against the session's app
served by uvicorn on a loopback port (`live_url`), and over stdio against a `coldcraft mcp`
subprocess."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult

from tests.cli.conftest import live_url  # noqa: F401  (the app on a loopback port)

Connect = Callable[..., AbstractAsyncContextManager[Client]]


@asynccontextmanager
async def http_mcp(url: str, key: str | None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=120) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http), cache=None) as client,
    ):
        yield client


@pytest.fixture
def connect(live_url: str) -> Connect:  # noqa: F811
    """`async with connect(key) as client:` an MCP client over Streamable HTTP. (Not a
    fixture of its own: the SDK's client must be entered and left in one task.)"""

    def open_client(key: str) -> AbstractAsyncContextManager[Client]:
        return http_mcp(live_url, key)

    return open_client


def data(result: CallToolResult) -> dict[str, Any]:
    """A successful tool result's structured content."""
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return dict(result.structured_content)
    text = result.content[0]
    return dict(json.loads(getattr(text, "text", "{}")))


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result.structured_content
    return " ".join(getattr(block, "text", "") for block in result.content)
