"""`coldcraft eval` end to end through typer: the table, --json, --baseline, gates, errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from coldcraft.cli.main import app

OFFLINE = ["eval", "--chat-model", "offline", "--writer-model", "offline"]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(app, [*OFFLINE, *args], env={"COLUMNS": "200"})


def test_eval_prints_the_table_and_writes_the_json_report(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = invoke("--briefs", "dispatch-first", "--limit", "4", "--json", str(path))
    assert result.exit_code == 0, result.output
    assert "dispatch-first" in result.stdout
    assert "100.0%" in result.stdout
    report = json.loads(path.read_text())
    assert report["schema_version"] == 1
    assert report["config"]["writer_model"] == "offline"
    assert [b["id"] for b in report["briefs"]] == ["dispatch-first"]
    assert report["summary"]["drafts"] == 4
    assert len(report["drafts"]) == 4


def test_a_follow_up_brief_brings_its_first_touch(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    result = invoke("--briefs", "invoice-follow-up", "--limit", "2", "--json", str(path))
    assert result.exit_code == 0, result.output
    report = json.loads(path.read_text())
    assert report["config"]["briefs"] == ["invoice-first", "invoice-follow-up"]
    first, follow_up = (report["briefs"][0]["summary"], report["briefs"][1]["summary"])
    assert (first["drafts"], follow_up["drafts"]) == (2, 2)
    assert follow_up["repeats"] == 0


def test_baseline_compares_a_saved_report_with_this_run(tmp_path: Path) -> None:
    saved, compared = tmp_path / "a.json", tmp_path / "diff.json"
    assert invoke("--briefs", "dispatch-first", "--limit", "3", "--json", str(saved)).exit_code == 0
    args = ("--briefs", "dispatch-first", "--limit", "3", "--baseline", str(saved))
    result = invoke(*args, "--json", str(compared))
    assert result.exit_code == 0, result.output
    assert "no difference" in result.stdout
    comparison = json.loads(compared.read_text())
    assert comparison["paired_drafts"] == 3
    assert comparison["differences"]["pass_rate"]["diff"] == 0


def test_compare_with_a_skeleton_file(tmp_path: Path) -> None:
    saved = tmp_path / "a.json"
    assert invoke("--briefs", "dispatch-first", "--limit", "3", "--json", str(saved)).exit_code == 0
    skeleton = json.loads(saved.read_text())["briefs"][0]["skeleton"]["skeleton"]
    skeleton["subject"] = "A different subject for %company|your team%"
    path = tmp_path / "skeleton.json"
    path.write_text(json.dumps({"skeletons": {"dispatch-first": skeleton}}))
    compared = tmp_path / "diff.json"
    args = ("--briefs", "dispatch-first", "--limit", "3", "--compare", f"skeleton={path}")
    result = invoke(*args, "--json", str(compared))
    assert result.exit_code == 0, result.output
    comparison = json.loads(compared.read_text())
    assert comparison["b"]["config"]["skeleton_file"] == str(path)
    assert comparison["b"]["briefs"][0]["skeleton"]["source"] == "given"
    assert comparison["b"]["drafts"][0]["subject"].startswith("A different subject for")


def test_a_gate_that_fails_exits_1(tmp_path: Path) -> None:
    saved = tmp_path / "a.json"
    assert invoke("--briefs", "dispatch-first", "--limit", "2", "--json", str(saved)).exit_code == 0
    skeleton = json.loads(saved.read_text())["briefs"][0]["skeleton"]["skeleton"]
    skeleton["body"] = skeleton["body"].replace(",", " \u2014", 1)  # an em dash: every draft fails
    path = tmp_path / "dashed.json"
    path.write_text(json.dumps(skeleton))
    args = ["--briefs", "dispatch-first", "--limit", "2", "--skeleton", str(path)]
    assert invoke(*args).exit_code == 0  # no gate asked for
    result = invoke(*args, "--require-pass-rate", "1.0", "--max-leaks", "0")
    assert result.exit_code == 1
    assert "gate failed: A: pass rate 0.0000 < 1.0" in result.output
    assert "leaks" not in result.output.split("gate failed")[-1]


def test_bad_input_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = invoke("--compare", "writer_model=nope:model")
    assert result.exit_code == 2
    assert "Unknown model provider 'nope'" in result.output
    result = invoke("--compare", "temperature=0")
    assert result.exit_code == 2
    assert "Unknown setting 'temperature'" in result.output
    result = invoke("--briefs", "missing")
    assert result.exit_code == 2
    assert "Unknown brief 'missing'" in result.output
