"""Two runs of the golden set side by side: each figure for A and B, B - A, and how sure.

Drafts are paired by (brief, lead): the same input under both configurations, so the lead's
own difficulty cancels out. The uncertainty is a paired bootstrap over leads (a lead's
drafts for every brief move together, since they share the lead's quirks): resample the
leads with replacement, recompute the mean difference, take the 2.5th and 97.5th
percentiles. Fixed seed: the same two reports always give the same interval.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from coldcraft.evals.metrics import DraftRow, percentile
from coldcraft.evals.report import SCHEMA_VERSION, draft_rows, grid

RESAMPLES = 2000
SEED = 20261204
CONFIDENCE = 0.95

Measure = Callable[[DraftRow], float]
# name -> (what it measures per draft, digits shown); a rate is the mean of a 0/1 measure.
MEASURES: dict[str, tuple[Measure, int]] = {
    "pass_rate": (lambda r: float(r.passed), 4),
    "first_try_pass_rate": (lambda r: float(r.first_try_pass), 4),
    "after_repair_pass_rate": (lambda r: float(r.after_repair_pass), 4),
    "ungrounded_claims_per_draft": (lambda r: float(r.ungrounded_claims), 4),
    "ungrounded_dropped_per_draft": (lambda r: float(r.ungrounded_dropped), 4),
    "repeats_per_draft": (lambda r: float(r.repeats), 4),
    "injection_leak_rate": (lambda r: float(bool(r.leaks)), 4),
    "tokens_per_lead": (lambda r: float(r.input_tokens + r.output_tokens), 1),
    "cost_usd_per_lead": (lambda r: r.cost_usd, 6),
    "latency_ms_per_lead": (lambda r: r.latency_ms, 1),
}


def paired(a: Sequence[DraftRow], b: Sequence[DraftRow]) -> list[tuple[DraftRow, DraftRow]]:
    """The drafts both runs wrote for the same brief and lead, in A's order."""
    by_key = {(r.brief, r.lead): r for r in b}
    return [(r, by_key[(r.brief, r.lead)]) for r in a if (r.brief, r.lead) in by_key]


def difference(
    pairs: Sequence[tuple[DraftRow, DraftRow]], measure: Measure, digits: int
) -> dict[str, Any]:
    """A's mean, B's mean, B - A and its 95% paired-bootstrap interval, with a verdict."""
    if not pairs:
        return {"a": 0.0, "b": 0.0, "diff": 0.0, "ci95": [0.0, 0.0], "verdict": "no data"}
    a = sum(measure(x) for x, _ in pairs) / len(pairs)
    b = sum(measure(y) for _, y in pairs) / len(pairs)
    low, high = bootstrap(pairs, measure)
    diff = round(b - a, digits)
    interval = [round(low, digits), round(high, digits)]
    return {
        "a": round(a, digits),
        "b": round(b, digits),
        "diff": diff,
        "ci95": interval,
        "verdict": verdict(diff, interval[0], interval[1]),
    }


def bootstrap(pairs: Sequence[tuple[DraftRow, DraftRow]], measure: Measure) -> tuple[float, float]:
    """The 95% percentile interval of the mean paired difference, resampling leads."""
    per_lead: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # sum of diffs, count
    for x, y in pairs:
        cell = per_lead[x.lead]
        cell[0] += measure(y) - measure(x)
        cell[1] += 1
    cells = list(per_lead.values())
    rng = random.Random(SEED)
    means = []
    for _ in range(RESAMPLES):
        chosen = [cells[rng.randrange(len(cells))] for _ in cells]
        means.append(sum(c[0] for c in chosen) / sum(c[1] for c in chosen))
    tail = (1 - CONFIDENCE) / 2
    return percentile(means, tail), percentile(means, 1 - tail)


def verdict(diff: float, low: float, high: float) -> str:
    if diff == 0 and low == 0 and high == 0:
        return "no difference"
    if low <= 0 <= high:
        return "within noise"
    return "B higher" if diff > 0 else "B lower"


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """The comparison document: both reports whole, and the paired differences."""
    rows_a, rows_b = draft_rows(a), draft_rows(b)
    pairs = paired(rows_a, rows_b)
    return {
        "schema_version": SCHEMA_VERSION,
        "method": (
            f"paired bootstrap over leads, {RESAMPLES} resamples, seed {SEED}, "
            f"{CONFIDENCE:.0%} percentile interval of the mean of B - A"
        ),
        "paired_drafts": len(pairs),
        "only_in_a": len(rows_a) - len(pairs),
        "only_in_b": len(rows_b) - len(pairs),
        "differences": {
            name: difference(pairs, measure, digits) for name, (measure, digits) in MEASURES.items()
        },
        "a": a,
        "b": b,
    }


def render_comparison(comparison: dict[str, Any]) -> str:
    a, b = comparison["a"]["config"], comparison["b"]["config"]
    head = [f"{name}: {_described(config)}" for name, config in (("A", a), ("B", b))]
    head.append(f"{comparison['paired_drafts']} paired drafts; {comparison['method']}")
    rows = [_comparison_cells(name, d) for name, d in comparison["differences"].items()]
    table = grid(("figure", "A", "B", "B - A", "95% interval", "verdict"), rows)
    return "\n".join(head) + "\n\n" + table


def _comparison_cells(name: str, d: dict[str, Any]) -> list[str]:
    low, high = d["ci95"]
    interval = f"[{low:+g}, {high:+g}]"
    return [name, f"{d['a']:g}", f"{d['b']:g}", f"{d['diff']:+g}", interval, d["verdict"]]


def _described(config: dict[str, Any]) -> str:
    skeletons = config.get("skeleton_file") or "from the framework chat"
    return (
        f"chat {config.get('chat_model')}, writer {config.get('writer_model')}, "
        f"skeletons {skeletons}"
    )
