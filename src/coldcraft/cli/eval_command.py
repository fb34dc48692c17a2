"""`coldcraft eval`: the golden set through the framework chat and the writer, as a report.

See docs/quality.md for every figure, `--compare` and the committed baseline.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from coldcraft.evals.evaluate import EvalConfig
    from coldcraft.evals.golden import GoldenSet

HELP = (
    "Run the shipped golden set (56 made-up leads, hostile ones among them; 6 briefs, first "
    "touches and follow-ups) through the framework chat and the writer, and report pass rates "
    "per rule, first-try and after-repair passes, ungrounded claims, repeats, injection leaks, "
    "tokens, cost and latency per lead (docs/quality.md).\n\n"
    "Uses the configured models (COLDCRAFT_CHAT_MODEL, COLDCRAFT_WRITER_MODEL, provider keys) "
    "unless --chat-model / --writer-model say otherwise. A real model costs money: about 340 "
    "writer calls and 7 chat turns for the whole set (--limit and --briefs make it smaller).\n\n"
    "Examples: 'coldcraft eval --chat-model offline --writer-model offline --json report.json'; "
    "'coldcraft eval --writer-model offline --compare writer_model=openai:gpt-4.1-mini'; "
    "'coldcraft eval --baseline docs/quality-baseline.json --max-leaks 0 --max-ungrounded 0'."
)


def _pairs(values: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key.strip() or not setting.strip():
            raise typer.BadParameter(f"expected KEY=VALUE, got {value!r}", param_hint="--compare")
        found[key.strip()] = setting.strip()
    return found


def _brief_ids(values: list[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def eval_command(
    chat_model: Annotated[
        str | None,
        typer.Option(help="The framework chat's model spec (default: the configured one)."),
    ] = None,
    writer_model: Annotated[
        str | None, typer.Option(help="The writer's model spec (default: the configured one).")
    ] = None,
    skeleton: Annotated[
        Path | None,
        typer.Option(
            help="A skeleton JSON file used instead of the framework chat: one skeleton for "
            'every brief, or {"skeletons": {"<brief id>": {...}}}.',
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    briefs: Annotated[
        list[str],
        typer.Option(
            "--briefs",
            help="Only these briefs (comma-separated or repeated); a follow-up brings the brief "
            "it follows.",
        ),
    ] = [],  # noqa: B006 (typer reads the default; it is never mutated)
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Only N leads, spread over the set with the hostile ones in proportion (at "
            "least one from N=2); the same N picks the same leads.",
        ),
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="Write the JSON report (or comparison) to this file."),
    ] = None,
    compare: Annotated[
        list[str],
        typer.Option(
            help="Also run configuration B = this one with KEY=VALUE changed "
            "(chat_model=..., writer_model=..., skeleton=PATH; repeatable) and report "
            "B - A with 95% intervals.",
        ),
    ] = [],  # noqa: B006
    baseline: Annotated[
        Path | None,
        typer.Option(
            help="Compare this run (B) with a saved JSON report (A) instead of running A.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Drafts written at the same time.")
    ] = 8,
    require_pass_rate: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Exit 1 when a run's pass rate is below this."),
    ] = None,
    max_ungrounded: Annotated[
        int | None,
        typer.Option(min=0, help="Exit 1 when a run has more ungrounded claims than this."),
    ] = None,
    max_leaks: Annotated[
        int | None,
        typer.Option(min=0, help="Exit 1 when a run has more injection leaks than this."),
    ] = None,
) -> None:
    # Imported here: the LLM stack takes a second to load and most commands never need it.
    from coldcraft.config import get_settings
    from coldcraft.evals.compare import compare_reports
    from coldcraft.evals.evaluate import EvalConfig
    from coldcraft.evals.golden import load_golden
    from coldcraft.evals.report import read_report

    if compare and baseline:
        raise typer.BadParameter("use --compare or --baseline, not both")
    try:
        golden = load_golden().select(_brief_ids(briefs) or None, limit)
        saved = read_report(baseline) if baseline is not None else None
        first = EvalConfig("B" if saved else "A", chat_model, writer_model, skeleton)
        configs = [first, first.with_overrides(_pairs(compare), "B")] if compare else [first]
        for config in configs:
            config.check(get_settings())
        fresh = [_run(config, golden, concurrency) for config in configs]
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    runs = [saved, *fresh] if saved else fresh
    document = compare_reports(*runs) if len(runs) == 2 else runs[0]
    _show(fresh, document, json_path)
    _check_gates(
        fresh, pass_rate=require_pass_rate, max_ungrounded=max_ungrounded, max_leaks=max_leaks
    )


def _show(fresh: list[dict[str, Any]], document: dict[str, Any], json_path: Path | None) -> None:
    from coldcraft.evals.compare import render_comparison
    from coldcraft.evals.report import render_table, to_json

    for report in fresh:
        typer.echo(render_table(report) + "\n")
    if "differences" in document:
        typer.echo(render_comparison(document))
    if json_path is not None:
        json_path.write_text(to_json(document), "utf-8")
        typer.echo(f"\nwrote {json_path}", err=True)


def _check_gates(
    fresh: list[dict[str, Any]],
    *,
    pass_rate: float | None,
    max_ungrounded: int | None,
    max_leaks: int | None,
) -> None:
    """Exit 1 when a run made now misses a required figure (a saved baseline is not gated)."""
    from coldcraft.evals.evaluate import gate_failures

    failures = [
        failure
        for report in fresh
        for failure in gate_failures(
            report, pass_rate=pass_rate, max_ungrounded=max_ungrounded, max_leaks=max_leaks
        )
    ]
    for failure in failures:
        typer.echo(f"gate failed: {failure}", err=True)
    if failures:
        raise typer.Exit(1)


def _run(config: EvalConfig, golden: GoldenSet, concurrency: int) -> dict[str, Any]:
    from coldcraft.config import get_settings
    from coldcraft.evals.evaluate import evaluate

    typer.echo(f"running {config.label} ...", err=True)
    return asyncio.run(evaluate(config, golden, get_settings(), concurrency=concurrency))
