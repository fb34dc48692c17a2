"""Configuration, output formats, errors and exit codes, help texts."""

from __future__ import annotations

import json
from typing import Any

import typer

from coldcraft.cli.main import app as cli_app
from tests.cli.conftest import Invoke, make_invoke, ok_json
from tests.fixtures.factories import Account


async def test_me_prints_the_accounts_json(cli: Invoke, account: Account) -> None:
    body = ok_json(await cli("me"))
    assert body == {"user": {**body["user"], "email": account.user.email}}
    assert body["user"]["id"] == str(account.user.id)


async def test_me_as_a_table_shows_fields_and_values(cli: Invoke, account: Account) -> None:
    result = await cli("me", "--format", "table")
    assert result.exit_code == 0, result.stderr
    assert "email" in result.stdout
    assert account.user.email in result.stdout
    assert not result.stdout.lstrip().startswith("{")


async def test_api_key_and_url_can_be_given_as_group_options(
    live_url: str, account: Account
) -> None:
    invoke = make_invoke({"COLDCRAFT_API_URL": "http://127.0.0.1:9", "COLDCRAFT_API_KEY": ""})
    result = await invoke("campaigns", "--api-url", live_url, "--api-key", account.key, "list")
    assert ok_json(result) == {"campaigns": []}


async def test_api_key_and_url_can_follow_the_sub_command(live_url: str, account: Account) -> None:
    invoke = make_invoke({"COLDCRAFT_API_URL": "http://127.0.0.1:9", "COLDCRAFT_API_KEY": ""})
    result = await invoke("campaigns", "list", "--api-url", live_url, "--api-key", account.key)
    assert ok_json(result) == {"campaigns": []}
    help_text = (await invoke("campaigns", "list", "--help")).stdout
    assert "--api-key" in help_text
    assert "--api-url" in help_text


async def test_missing_key_prints_the_envelope_on_stderr_and_exits_1(
    anonymous_cli: Invoke,
) -> None:
    result = await anonymous_cli("me")
    assert result.exit_code == 1
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "unauthorized"
    # A CLI user is told what a CLI user does, not which HTTP header to send.
    assert "COLDCRAFT_API_KEY" in error["message"]
    assert "coldcraft keys create" in error["message"]
    assert "Bearer" not in error["message"]


async def test_table_mode_errors_are_a_readable_line(anonymous_cli: Invoke) -> None:
    result = await anonymous_cli("campaigns", "list", "--format", "table")
    assert result.exit_code == 1
    assert result.stderr.startswith("error (401 unauthorized): ")


async def test_validation_errors_list_their_details(cli: Invoke) -> None:
    result = await cli("campaigns", "create", "--name", "x", "--type", "fax", "-F", "table")
    assert result.exit_code == 1
    assert "invalid_request" in result.stderr
    assert "  - type: " in result.stderr


async def test_unknown_resource_is_404_not_found(cli: Invoke) -> None:
    result = await cli("campaigns", "get", "00000000-0000-4000-8000-000000000000")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "not_found"


async def test_unreachable_server_names_the_url_and_exits_3(account: Account) -> None:
    invoke = make_invoke({"COLDCRAFT_API_URL": "http://127.0.0.1:9", "COLDCRAFT_API_KEY": "k"})
    result = await invoke("campaigns", "list")
    assert result.exit_code == 3
    assert "http://127.0.0.1:9" in result.stderr
    assert "connection refused" in result.stderr


async def test_usage_errors_exit_2(cli: Invoke) -> None:
    assert (await cli("campaigns", "get")).exit_code == 2
    assert (await cli("context", "set")).exit_code == 2
    assert (await cli("campaigns", "list", "--format", "yaml")).exit_code == 2


def _commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}".strip()
        found.append((path, command))
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))
    return found


def test_every_client_command_has_a_help_line() -> None:
    root = typer.main.get_command(cli_app)
    skip = {"serve", "db", "keys"}
    commands = [(p, c) for p, c in _commands(root) if p.split()[0] not in skip]
    assert len(commands) > 40
    for path, command in commands:
        assert (command.help or "").strip(), f"`coldcraft {path}` has no help"


async def test_health_needs_no_key(anonymous_cli: Invoke) -> None:
    body = ok_json(await anonymous_cli("health"))
    assert body["status"] == "ok"
    assert body["database"] == "ok"
