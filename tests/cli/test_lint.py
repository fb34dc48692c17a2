"""`coldcraft lint`: the quality gate from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Invoke, ok_json, session_with_skeleton


async def _good_skeleton(cli: Invoke, tmp_path: Path) -> Path:
    """A skeleton the offline agent built (it passed the judge), saved as a session dump."""
    _, _, session_id = await session_with_skeleton(cli)
    path = tmp_path / "session.json"
    path.write_text((await cli("chat", "get", session_id)).stdout)
    return path


async def test_a_passing_skeleton_exits_0_with_its_rendering(cli: Invoke, tmp_path: Path) -> None:
    path = await _good_skeleton(cli, tmp_path)
    lead = json.dumps({"first_name": "Sarah", "company": "Acme"})
    body = ok_json(await cli("lint", str(path), "--lead", lead))
    assert body["passed"] is True
    assert set(body["rendered"]) >= {"subject", "body"}


async def test_a_failing_skeleton_exits_1_and_lists_the_issues(cli: Invoke, tmp_path: Path) -> None:
    session = json.loads((await _good_skeleton(cli, tmp_path)).read_text())["session"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**session["skeleton"], "subject": "Quick \u2014 thought"}))
    result = await cli("lint", str(bad), "--format", "table")
    assert result.exit_code == 1
    assert "em_dash" in result.stdout


async def test_chat_get_output_can_be_piped_into_lint(cli: Invoke, tmp_path: Path) -> None:
    dump = (await _good_skeleton(cli, tmp_path)).read_text()
    assert ok_json(await cli("lint", "-", input=dump))["passed"] is True
