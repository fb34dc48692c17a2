"""`coldcraft context` and `coldcraft senders`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke, ok_json

CONTEXT = {"company": "Acme", "tone": "plain", "banned_words": ["synergy"]}


async def test_context_is_null_until_set(cli: Invoke) -> None:
    assert ok_json(await cli("context", "get")) == {"context": None}


async def test_context_set_inline_then_get_returns_it(cli: Invoke) -> None:
    ok_json(await cli("context", "set", "--json", json.dumps(CONTEXT)))
    assert ok_json(await cli("context", "get")) == {"context": CONTEXT}


async def test_context_get_output_can_be_fed_back_from_a_file(cli: Invoke, tmp_path: Path) -> None:
    ok_json(await cli("context", "set", "--json", json.dumps(CONTEXT)))
    saved = tmp_path / "context.json"
    saved.write_text((await cli("context", "get")).stdout)
    ok_json(await cli("context", "set", "--json", "null"))
    ok_json(await cli("context", "set", "--file", str(saved)))
    assert ok_json(await cli("context", "get")) == {"context": CONTEXT}


async def test_context_set_reads_stdin(cli: Invoke) -> None:
    ok_json(await cli("context", "set", "--file", "-", input=json.dumps(CONTEXT)))
    assert ok_json(await cli("context", "get"))["context"] == CONTEXT


async def test_context_set_rejects_bad_json_as_a_usage_error(cli: Invoke) -> None:
    result = await cli("context", "set", "--json", "{nope")
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


async def test_context_get_as_table_shows_the_keys(cli: Invoke) -> None:
    ok_json(await cli("context", "set", "--json", json.dumps(CONTEXT)))
    result = await cli("context", "get", "--format", "table")
    assert result.exit_code == 0
    assert "banned_words" in result.stdout
    assert "Acme" in result.stdout


async def test_senders_add_then_list(cli: Invoke) -> None:
    added = ok_json(
        await cli(
            "senders", "add", "--type", "email", "--first-name", "Sam",
            "--last-name", "Seller", "--email", "sam@seller.example",
        )
    )["sender"]  # fmt: skip
    assert added["email_address"] == "sam@seller.example"
    listed = ok_json(await cli("senders", "list", "--type", "email"))["senders"]
    assert [s["id"] for s in listed] == [added["id"]]
    assert ok_json(await cli("senders", "list", "--type", "linkedin")) == {"senders": []}


async def test_senders_list_as_table(cli: Invoke) -> None:
    ok_json(await cli("senders", "add", "--type", "linkedin", "--first-name", "Lin"))
    result = await cli("senders", "list", "--format", "table")
    assert result.exit_code == 0
    assert "senders (1)" in result.stdout
    assert "Lin" in result.stdout


async def test_email_sender_without_address_is_an_api_error(cli: Invoke) -> None:
    result = await cli("senders", "add", "--type", "email", "--first-name", "Sam")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "invalid_request"
