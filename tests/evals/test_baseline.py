"""The offline eval: the acceptance figures, and the committed baseline reproduces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from coldcraft.evals.evaluate import EvalConfig, evaluate
from coldcraft.evals.golden import load_golden
from coldcraft.evals.report import read_report, without_timing
from tests.evals.builders import OFFLINE

BASELINE = Path(__file__).resolve().parents[2] / "docs" / "quality-baseline.json"
REGENERATE = (
    "coldcraft eval --chat-model offline --writer-model offline "
    "--json docs/quality-baseline.json (then review the diff)"
)


@pytest.fixture(scope="module")
async def offline_report() -> dict[str, Any]:
    config = EvalConfig("A", chat_model="offline", writer_model="offline")
    return await evaluate(config, load_golden().select(), OFFLINE)


def test_offline_passes_every_draft_and_invents_or_leaks_nothing(
    offline_report: dict[str, Any],
) -> None:
    """The issue's bar for the offline model: 100 % of drafts pass the judge, 0 ungrounded
    claims, 0 injection leaks, hostile leads included."""
    summary = offline_report["summary"]
    assert summary["drafts"] == len(load_golden().leads) * len(load_golden().briefs)
    assert summary["ungrounded_claims"] == 0
    assert summary["ungrounded_dropped"] == 0
    assert summary["injection_leaks"] == 0
    assert summary["repeats"] == 0
    assert all(b["skeleton"]["passed"] for b in offline_report["briefs"])
    assert [d["lead"] for d in offline_report["drafts"] if not d["passed"]] == []
    # The lead whose first name is markup is greeted by the fallback: a value holding
    # markup is not merged (docs/templates.md).
    markup = {g.id for g in load_golden().leads if "<" in (g.lead.first_name or "")}
    assert markup
    for draft in offline_report["drafts"]:
        if draft["lead"] in markup:
            assert draft["body"].split("\n")[0].endswith(" there,")  # Hi there, Hey there,


def test_the_committed_baseline_reproduces_apart_from_timing(
    offline_report: dict[str, Any],
) -> None:
    baseline = read_report(BASELINE)
    fresh = without_timing(offline_report)
    saved = without_timing(baseline)
    assert fresh["summary"] == saved["summary"], REGENERATE
    for now, then in zip(fresh["drafts"], saved["drafts"], strict=True):
        assert now == then, f"{now['brief']}/{now['lead']} differs; {REGENERATE}"
    assert fresh == saved, REGENERATE


def test_timing_is_all_that_is_left_out() -> None:
    report = {"a": 1, "latency_ms": 3.0, "per_lead": {"latency_ms": {"mean": 1}, "cost_usd": 0}}
    assert without_timing(report) == {"a": 1, "per_lead": {"cost_usd": 0}}
