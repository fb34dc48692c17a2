"""`coldcraft messages`: resolve, generate (AI), list, edit, export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.cli.conftest import SENDER, Invoke, new_campaign, ok_json, session_with_skeleton


async def _resolved_campaign(cli: Invoke) -> str:
    campaign = await new_campaign(cli)
    cid, email = campaign["id"], campaign["sequence_nodes"][0]["id"]
    ok_json(
        await cli("nodes", "update", cid, email, "--subject", "Hi", "--body", "Hi %first_name%")
    )
    leads = [{"email": "ada@example.com", "first_name": "Ada"}, {"email": "bo@example.com"}]
    ok_json(await cli("leads", "add", cid, "--json", json.dumps(leads)))
    ok_json(await cli("messages", "resolve", cid))
    return cid


async def test_resolve_renders_a_draft_per_prospect(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    messages = ok_json(await cli("messages", "list", cid))["messages"]
    assert sorted(m["body_text"] for m in messages) == ["Hi", "Hi Ada"]
    assert {m["status"] for m in messages} == {"draft"}


async def test_list_filters_by_prospect_and_status(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    one = ok_json(await cli("messages", "list", cid))["messages"][0]
    mine = ok_json(await cli("messages", "list", cid, "--prospect", one["prospect_id"]))
    assert [m["id"] for m in mine["messages"]] == [one["id"]]
    assert ok_json(await cli("messages", "list", cid, "--status", "sent"))["messages"] == []
    paged = ok_json(await cli("messages", "list", cid, "--limit", "1", "--page", "2"))
    assert (len(paged["messages"]), paged["total"]) == (1, 2)
    table = await cli("messages", "list", cid, "--format", "table", COLUMNS="120")
    assert one["subject"][:20] in table.stdout


async def test_edit_marks_the_message_manually_edited(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    message = ok_json(await cli("messages", "list", cid))["messages"][0]
    edited = ok_json(
        await cli("messages", "edit", cid, message["id"], "--subject", "Hey", "--body", "Hello!")
    )["message"]
    assert (edited["subject"], edited["body_text"]) == ("Hey", "Hello!")
    assert edited["manually_edited"] is True
    assert (await cli("messages", "edit", cid, message["id"])).exit_code == 2


async def test_export_to_stdout_and_to_a_file(cli: Invoke, tmp_path: Path) -> None:
    cid = await _resolved_campaign(cli)
    result = await cli("messages", "export", cid)
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 2
    out = tmp_path / "out.csv"
    written = await cli("messages", "export", cid, "-o", str(out))
    assert written.exit_code == 0
    assert out.read_text(encoding="utf-8-sig") == result.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    assert str(out) in written.stderr
    sent = await cli("messages", "export", cid, "--status", "sent")
    assert list(csv.DictReader(io.StringIO(sent.stdout))) == []


async def test_generate_ai_with_wait_writes_a_draft_per_prospect(cli: Invoke) -> None:
    cid, node_id, _ = await session_with_skeleton(cli, leads=3)
    result = await cli("messages", "generate", cid, "--node", node_id, "--wait")
    body = ok_json(result)
    assert body["run"]["kind"] == "generate-ai-messages"
    assert body["run"]["status"] == "completed"
    drafts = ok_json(await cli("messages", "list", cid))["messages"]
    assert len([m for m in drafts if m["node_id"] == node_id]) == 3


async def test_generate_ai_for_some_prospects_returns_the_run_handle(cli: Invoke) -> None:
    cid, node_id, _ = await session_with_skeleton(cli, leads=2)
    prospect = ok_json(await cli("leads", "list", cid))["prospects"][0]
    started = ok_json(
        await cli(
            "messages", "generate", cid, "--node", node_id, "--prospect", prospect["id"],
            "--idempotency-key", "gen-1",
        )
    )  # fmt: skip
    assert started["prospects"] == 1
    assert started["runId"].startswith("run_")
    ok_json(await cli("runs", "wait", started["runId"]))


async def test_editing_a_launched_campaigns_message_is_wrong_status(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    message = ok_json(await cli("messages", "list", cid))["messages"][0]
    sender = ok_json(await cli(*SENDER))["sender"]
    ok_json(await cli("campaigns", "update", cid, "--sender", sender["id"]))
    approved = ok_json(await cli("messages", "approve", cid, "--flagged", "--note", "no name"))
    assert (approved["matched"], approved["changed"]) == (1, 1)  # the lead without a name
    ok_json(await cli("campaigns", "launch", cid))
    result = await cli("messages", "edit", cid, message["id"], "--body", "x")
    assert result.exit_code == 1
    assert json.loads(result.stderr)["error"]["code"] == "wrong_status"


async def test_review_from_the_cli(cli: Invoke) -> None:
    """summary, a filtered list, approve by filter, restore: the review without curl."""
    cid = await _resolved_campaign(cli)
    summary = ok_json(await cli("messages", "summary", cid))
    assert (summary["total"], summary["flagged"]) == (2, 1)  # the lead without a first name
    assert summary["by_missing_field"] == {"first_name": 1}
    flagged = ok_json(await cli("messages", "list", cid, "--flagged"))["messages"]
    assert [m["body_text"] for m in flagged] == ["Hi"]
    assert (
        ok_json(await cli("messages", "list", cid, "--missing-field", "first_name"))["messages"]
        == flagged
    )
    ok_json(await cli("messages", "edit", cid, flagged[0]["id"], "--body", "Hello there"))
    restored = ok_json(await cli("messages", "restore", cid, "--id", flagged[0]["id"]))
    assert restored["changed"] == 1
    rejected = ok_json(await cli("messages", "reject", cid, "--flagged", "--note", "no name"))
    assert rejected["changed"] == 1
    assert ok_json(await cli("messages", "summary", cid))["by_review"] == {
        "rejected": 1,
        "unreviewed": 1,
    }
    refused = await cli("messages", "approve", cid)
    assert refused.exit_code != 0


async def test_a_quote_from_the_cli(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    quote = ok_json(
        await cli("credits", "preview", "generate_examples", "--campaign", cid, "--count", "4")
    )
    assert (quote["items"], quote["requests"]) == (4, {"min": 4, "max": 8})
    assert quote["sufficient"] is True
    refused = await cli("credits", "preview", "generate_ai", "--campaign", cid)
    assert refused.exit_code == 1


async def test_the_table_fits_80_columns_with_short_ids_and_verdicts(cli: Invoke) -> None:
    cid = await _resolved_campaign(cli)
    first = ok_json(await cli("messages", "list", cid))["messages"][0]
    table = await cli("messages", "list", cid, "-F", "table", COLUMNS="80")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert first["id"][:8] in table.stdout
    assert first["id"] not in table.stdout  # shortened, as the caption says
    assert "ids shortened; -F json prints them whole" in table.stdout
    assert "review_state" in table.stdout
    assert "unreviewed" in table.stdout  # not folded into 3-letter pieces
