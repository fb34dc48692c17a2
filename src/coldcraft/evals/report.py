"""The eval's report: a JSON document (stable key order, `schema_version`) and a plain-text
table of the same figures. docs/quality.md explains every figure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coldcraft.evals.golden import GoldenSet
from coldcraft.evals.metrics import DraftRow, SkeletonRow, chat_summary, summarize
from coldcraft.evals.runner import EvalRun

SCHEMA_VERSION = 1
# Figures that change from run to run on the same models and inputs (wall time): a report
# is reproducible apart from these keys.
TIMING_KEYS = frozenset({"latency_ms"})


def build_report(golden: GoldenSet, run: EvalRun, config: dict[str, Any]) -> dict[str, Any]:
    """`config`: what was run (models, skeleton sources), recorded as given."""
    briefs = []
    for brief, skeleton in zip(golden.briefs, run.skeletons, strict=True):
        rows = [r for r in run.drafts if r.brief == brief.id]
        briefs.append(
            {
                "id": brief.id,
                "title": brief.title,
                "position": brief.position,
                "skeleton": skeleton.model_dump(),
                "summary": summarize(rows),
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "config": {
            **config,
            "briefs": [b.id for b in golden.briefs],
            "leads": len(golden.leads),
        },
        "summary": summarize(run.drafts),
        "chat": chat_summary(run.skeletons),
        "briefs": briefs,
        "drafts": [r.model_dump() for r in run.drafts],
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=1, ensure_ascii=False) + "\n"


def read_report(path: Path) -> dict[str, Any]:
    """A saved report; a report of another schema version raises `ValueError`."""
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    if data.get("schema_version") != SCHEMA_VERSION:
        found = data.get("schema_version")
        raise ValueError(f"{path}: schema_version {found!r}, expected {SCHEMA_VERSION}")
    return data


def draft_rows(report: dict[str, Any]) -> list[DraftRow]:
    return [DraftRow.model_validate(d) for d in report["drafts"]]


def skeleton_rows(report: dict[str, Any]) -> list[SkeletonRow]:
    return [SkeletonRow.model_validate(b["skeleton"]) for b in report["briefs"]]


def without_timing(data: Any) -> Any:
    """The report without its wall-time figures (what must reproduce exactly)."""
    if isinstance(data, dict):
        return {k: without_timing(v) for k, v in data.items() if k not in TIMING_KEYS}
    if isinstance(data, list):
        return [without_timing(v) for v in data]
    return data


# --- the table ------------------------------------------------------------------------------


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = str(cells[0]).ljust(widths[0])
        rest = [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


_SUMMARY_HEADER = (
    "brief", "pos", "skeleton", "drafts", "pass", "1st try", "repaired", "ungrounded",
    "dropped", "repeats", "leaks", "tokens/lead", "$/lead", "p50 ms", "p95 ms",
)  # fmt: skip


def _summary_cells(name: str, pos: str, skeleton: str, s: dict[str, Any]) -> list[str]:
    per = s["per_lead"]
    tokens = per["input_tokens"]["mean"] + per["output_tokens"]["mean"]
    return [
        name,
        pos,
        skeleton,
        str(s["drafts"]),
        pct(s["pass_rate"]),
        pct(s["first_try_pass_rate"]),
        pct(s["after_repair_pass_rate"]),
        str(s["ungrounded_claims"]),
        str(s["ungrounded_dropped"]),
        str(s["repeats"]),
        str(s["injection_leaks"]),
        f"{tokens:.0f}",
        f"{per['cost_usd']['mean']:.5f}",
        f"{per['latency_ms']['p50']:.1f}",
        f"{per['latency_ms']['p95']:.1f}",
    ]


def render_table(report: dict[str, Any]) -> str:
    config, summary, chat = report["config"], report["summary"], report["chat"]
    rows = [
        _summary_cells(
            b["id"],
            str(b["position"]),
            "passed" if b["skeleton"]["passed"] else "FAILED",
            b["summary"],
        )
        for b in report["briefs"]
    ]
    rows.append(_summary_cells("all", "", "", summary))
    title = (
        f"coldcraft eval: chat {config.get('chat_model')}, writer {config.get('writer_model')}, "
        f"{len(report['briefs'])} briefs x {config.get('leads')} leads = {summary['drafts']} drafts"
    )
    hostile = summary["hostile"]
    notes = [
        f"hostile leads: {hostile['drafts']} drafts, {pct(hostile['pass_rate'])} passed; "
        f"injection leaks: {summary['injection_leaks']}; provider errors: {summary['llm_errors']}",
        f"writer: {summary['tokens']['input']} tokens in, {summary['tokens']['output']} out, "
        f"${summary['cost_usd']:.4f}",
        f"framework chat: {chat['skeletons_passed']} of {chat['skeletons']} skeletons passed, "
        f"{chat['turns']} turns, {chat['tokens']['input']} tokens in, "
        f"{chat['tokens']['output']} out, ${chat['cost_usd']:.4f}",
    ]
    return "\n\n".join([title, grid(_SUMMARY_HEADER, rows), "\n".join(notes), _rules(summary)])


def _rules(summary: dict[str, Any]) -> str:
    rows = [
        [rule, pct(r["pass_rate"]), str(r["errors"]), str(r["warnings"])]
        for rule, r in summary["rules"].items()
    ]
    return grid(("rule", "pass", "errors", "warnings"), rows)
