"""`coldcraft examples generate`."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke, campaign_with_ai_node, ok_json, session_with_skeleton


async def test_generate_from_campaign_with_wait_prints_the_examples(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli, leads=2)
    result = await cli("examples", "generate", session_id, "--from-campaign", "2", "--wait")
    body = ok_json(result)
    assert body["run"]["status"] == "completed"
    assert body["run"]["progress"]["total"] == 2
    assert len(body["generated_examples"]) == 2
    assert all(e.get("body") for e in body["generated_examples"])
    assert "2/2" in result.stderr  # the progress bar


async def test_generate_from_a_leads_file_appends(cli: Invoke, tmp_path: Path) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    first = tmp_path / "first.json"
    first.write_text(json.dumps([{"id": "a", "first_name": "Ann", "company": "Acme"}]))
    more = tmp_path / "more.json"
    more.write_text(json.dumps({"leads": [{"id": "b", "first_name": "Bo", "company": "Beta"}]}))
    ok_json(await cli("examples", "generate", session_id, "--leads", str(first), "--wait"))
    body = ok_json(
        await cli("examples", "generate", session_id, "--leads", str(more), "--append", "--wait")
    )
    assert sorted(e["lead_id"] for e in body["generated_examples"]) == ["a", "b"]


async def test_generate_without_wait_prints_the_run_handle(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    started = ok_json(
        await cli("examples", "generate", session_id, "--from-campaign", "1", "--first-batch")
    )
    assert set(started) == {"runId", "publicAccessToken"}
    ok_json(await cli("runs", "wait", started["runId"]))


async def test_wait_in_table_mode_shows_the_run_and_the_examples(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    result = await cli(
        "examples", "generate", session_id, "--from-campaign", "1", "--wait", "-F", "table"
    )
    assert result.exit_code == 0, result.stderr
    assert "generated_examples (1)" in result.stdout
    assert "completed" in result.stdout


async def test_generate_needs_leads_or_from_campaign(cli: Invoke) -> None:
    _, _, session_id = await session_with_skeleton(cli)
    assert (await cli("examples", "generate", session_id)).exit_code == 2


async def test_a_session_without_skeleton_is_no_framework(cli: Invoke, tmp_path: Path) -> None:
    campaign_id, node_id = await campaign_with_ai_node(cli)
    session = ok_json(await cli("chat", "create", campaign_id, "--node", node_id))["session"]
    leads = tmp_path / "l.json"
    leads.write_text(json.dumps([{"first_name": "Ann"}]))
    result = await cli("examples", "generate", session["id"], "--leads", str(leads), "-F", "table")
    assert result.exit_code == 1
    assert "no_framework" in result.stderr
    assert "Session has no framework yet. Chat first to create one." in result.stderr
