"""`coldcraft mcp`: the MCP server over stdio, for an agent (Claude Desktop, Claude Code,
Cursor...) that starts it as a subprocess."""

from __future__ import annotations

import os

import typer

# Paragraphs as single lines: the help renderer keeps line breaks inside a paragraph.
HELP = "\n\n".join(
    (
        "Serve coldcraft's MCP tools over stdio, for an agent that starts this command.",
        "With COLDCRAFT_API_URL and COLDCRAFT_API_KEY set: a client of that coldcraft "
        "server, as that key's account and with its scopes (a key made with `coldcraft keys "
        "create --scope read,write` can draft but never launch).",
        "With no COLDCRAFT_API_URL: the embedded service in this process on the local data "
        "directory (as `coldcraft demo`), as the local demo account; the offline model "
        "unless COLDCRAFT_CHAT_MODEL / COLDCRAFT_WRITER_MODEL or a provider key is set.",
        "Claude Code: `claude mcp add coldcraft -- coldcraft mcp`. Streamable HTTP instead: "
        "`coldcraft serve` answers at http://HOST:PORT/mcp with the same Bearer keys. Every "
        "tool and ready-to-paste agent configurations: docs/mcp.md.",
    )
)


def mcp(
    key_name: str = typer.Option(
        "mcp", "--key-name", help="Embedded mode: label of the local key made for this run."
    ),
) -> None:
    """Serve the MCP tools over stdio (the help text is HELP)."""
    import anyio

    url = os.environ.get("COLDCRAFT_API_URL", "").strip()
    key = os.environ.get("COLDCRAFT_API_KEY", "").strip()
    if url and not key:
        typer.echo("error: COLDCRAFT_API_URL is set but COLDCRAFT_API_KEY is not", err=True)
        raise typer.Exit(2)
    if url:
        anyio.run(_serve_client, url, key)
        return
    _serve_embedded(key_name)


async def _serve_client(url: str, key: str) -> None:
    from coldcraft.mcp_server.client import Api, http_client, shared
    from coldcraft.mcp_server.server import build_server

    async with http_client(base_url=url, api_key=key) as http:
        await build_server(shared(Api(http))).run_stdio_async()


def _serve_embedded(key_name: str) -> None:
    import anyio

    from coldcraft.accounts.service import account_service
    from coldcraft.cli._async import run_in_session
    from coldcraft.cli.demo import local_key

    key = local_key(key_name)  # revoked again on the way out
    try:
        anyio.run(_embedded, key)
    finally:
        run_in_session(lambda session: account_service.revoke_key(session, key))


async def _embedded(key: str) -> None:
    import contextlib
    import sys

    from coldcraft.app import create_app
    from coldcraft.config import get_settings
    from coldcraft.mcp_server.client import IN_PROCESS_URL, Api, http_client, in_process, shared
    from coldcraft.mcp_server.server import build_server

    app = create_app(get_settings())
    async with contextlib.AsyncExitStack() as stack:
        with contextlib.redirect_stdout(sys.stderr):  # stdout carries the protocol only
            await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            http_client(base_url=IN_PROCESS_URL, api_key=key, transport=in_process(app))
        )
        await build_server(shared(Api(http))).run_stdio_async()
