"""A live HTTP server for the CLI tests: the session's `app` served by uvicorn on a free port.

The server runs as a task on the tests' (session-scoped) event loop, so it shares the app's
engine and run executor with the other fixtures; each CLI invocation runs in a worker thread
(`invoke`) so the loop stays free to serve its requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from unittest import mock

import pytest
import typer
import typer.main
import typer.testing
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner, Result

from coldcraft.cli.main import app as cli_app
from tests.fixtures.factories import Account

Invoke = Callable[..., Awaitable[Result]]


class _QuietServer(uvicorn.Server):
    """Leaves the test process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture(scope="session")
async def live_url(app: FastAPI) -> AsyncIterator[str]:
    sock = _free_socket()
    config = uvicorn.Config(app=app, lifespan="off", log_level="warning", access_log=False)
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()  # surfaces a startup error
        await asyncio.sleep(0.01)
    host, port = sock.getsockname()
    yield f"http://{host}:{port}"
    server.should_exit = True
    await task


@functools.cache
def _cli_command() -> Any:
    return typer.main.get_command(cli_app)


def _run(args: list[str], input: str | None, env: dict[str, Any]) -> Result:
    # Typer rebuilds the whole command tree on every CliRunner.invoke (~0.1 s for ours);
    # a process builds it once, so the tests reuse one build too.
    with mock.patch.object(typer.testing, "_get_command", return_value=_cli_command()):
        return CliRunner().invoke(cli_app, args, input=input, env=env, catch_exceptions=False)


def make_invoke(env: dict[str, str]) -> Invoke:
    base_env = {"COLUMNS": "200", "COLDCRAFT_FORMAT": "json", **env}

    async def invoke(*args: str, input: str | None = None, **extra_env: str) -> Result:
        return await asyncio.to_thread(_run, list(args), input, {**base_env, **extra_env})

    return invoke


@pytest.fixture
def cli(live_url: str, account: Account) -> Invoke:
    """`await cli("campaigns", "list")`: the CLI, authenticated as `account`, against the server."""
    return make_invoke({"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": account.key})


@pytest.fixture
def anonymous_cli(live_url: str, sessionmaker: object) -> Invoke:
    """The CLI without an API key (tables are still emptied after the test)."""
    return make_invoke({"COLDCRAFT_API_URL": live_url, "COLDCRAFT_API_KEY": ""})


def ok_json(result: Result) -> Any:
    """The JSON a successful command printed on stdout."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


# `coldcraft senders add ...` for an email sender (a campaign launches only with one).
SENDER = ("senders", "add", "--type", "email", "--first-name", "Sam", "--email", "s@x.example")


async def new_campaign(cli: Invoke, name: str = "Q4 outreach", *args: str) -> dict[str, Any]:
    campaign: dict[str, Any] = ok_json(await cli("campaigns", "create", "--name", name, *args))[
        "campaign"
    ]
    return campaign


async def add_ai_node(cli: Invoke, campaign_id: str) -> dict[str, Any]:
    nodes = ok_json(
        await cli("nodes", "add", campaign_id, "--type", "ai", "--purpose", "First touch")
    )["sequence_nodes"]
    node: dict[str, Any] = next(n for n in nodes if n["type"] == "ai")
    return node


async def campaign_with_ai_node(cli: Invoke, leads: int = 2) -> tuple[str, str]:
    """A draft email campaign with an AI node and `leads` prospects: (campaign id, node id)."""
    campaign_id: str = (await new_campaign(cli, "AI campaign"))["id"]
    node = await add_ai_node(cli, campaign_id)
    prospects = [
        {"email": f"lead{n}@example.com", "first_name": f"Lee{n}", "last_name": "Doe",
         "company": f"Company {n}", "position": "Head of Ops"}
        for n in range(leads)
    ]  # fmt: skip
    ok_json(await cli("leads", "add", campaign_id, "--json", json.dumps(prospects)))
    return campaign_id, node["id"]


BRIEF = "Write a first-touch email to heads of ops about cutting onboarding time."


async def session_with_skeleton(cli: Invoke, leads: int = 2) -> tuple[str, str, str]:
    """(campaign id, node id, session id) after one chat turn built a skeleton."""
    campaign_id, node_id = await campaign_with_ai_node(cli, leads)
    reply = ok_json(await cli("chat", "send", campaign_id, "--node", node_id, BRIEF))
    assert reply["skeleton"] is not None, reply
    return campaign_id, node_id, reply["session_id"]
