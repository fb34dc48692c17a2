"""`coldcraft demo` on a fresh data directory, twice, as a newcomer would run it."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
DEMO_TIMEOUT_SECONDS = 300


def _run_demo(data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("OPENAI_API_KEY", None)
    env |= {"COLDCRAFT_DATA_DIR": str(data_dir), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "coldcraft.cli.main", "demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT_SECONDS,
        check=False,
    )


def _drafts(data_dir: Path) -> list[dict[str, str]]:
    with (data_dir / "demo" / "drafts.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_demo_runs_the_whole_pipeline_twice(tmp_path: Path) -> None:
    first = _run_demo(tmp_path)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "AI drafts passing the judge: 30/30" in first.stdout
    assert "offline is a rule-based stand-in" in first.stdout  # says what wrote the drafts
    assert "then open http://127.0.0.1:8000/login/link?token=" in first.stdout  # the studio
    rows = _drafts(tmp_path)
    assert len(rows) == 60  # 30 prospects x (AI first touch + templated follow-up)
    assert {row["node_type"] for row in rows} == {"ai", "email"}
    assert all("%" not in row["body"] and "&&" not in row["body"] for row in rows)

    second = _run_demo(tmp_path)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert len(_drafts(tmp_path)) == 60
