"""One configuration, end to end: resolve its models, run the set, build the report.

A configuration is the chat model, the writer model and, optionally, a skeleton file used
instead of the framework chat (`skeleton_file`: one skeleton for every brief, or
`{"skeletons": {brief_id: skeleton}}`). Specs are the model strings of docs/llm.md; None
means the configured one (settings and provider keys, as `coldcraft models` shows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from coldcraft.config import Settings
from coldcraft.evals.golden import GoldenSet
from coldcraft.evals.report import build_report
from coldcraft.evals.runner import ALL_BRIEFS, EvalModels, run_eval
from coldcraft.llm.models import resolve_model
from coldcraft.skeletons.schema import Skeleton

CONFIG_KEYS = ("chat_model", "writer_model", "skeleton")


@dataclass(frozen=True)
class EvalConfig:
    label: str = "A"
    chat_model: str | None = None
    writer_model: str | None = None
    skeleton_file: Path | None = None

    def with_overrides(self, overrides: dict[str, str], label: str) -> EvalConfig:
        """This configuration with `chat_model=`, `writer_model=` or `skeleton=` replaced."""
        unknown = sorted(set(overrides) - set(CONFIG_KEYS))
        if unknown:
            keys = ", ".join(CONFIG_KEYS)
            raise ValueError(f"Unknown setting {unknown[0]!r} to compare; use one of: {keys}")
        skeleton = overrides.get("skeleton")
        return replace(
            self,
            label=label,
            chat_model=overrides.get("chat_model", self.chat_model),
            writer_model=overrides.get("writer_model", self.writer_model),
            skeleton_file=Path(skeleton) if skeleton else self.skeleton_file,
        )

    def check(self, settings: Settings) -> None:
        """Fail now, before any model call, on a bad spec, a missing key or skeleton file."""
        self.models(settings)
        if self.skeleton_file is not None:
            read_skeletons(self.skeleton_file)

    def models(self, settings: Settings) -> EvalModels:
        """The resolved models (a bad spec or a missing key raises `ValueError`)."""
        return EvalModels(
            chat=resolve_model("chat", settings, override=self.chat_model),
            writer=resolve_model("writer", settings, override=self.writer_model),
        )


def read_skeletons(path: Path) -> dict[str, Skeleton]:
    """A skeleton file: one skeleton (for every brief) or `{"skeletons": {brief: skeleton}}`."""
    try:
        data: Any = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ValueError(f"Cannot read the skeleton file {path}: {exc.strerror}") from exc
    if isinstance(data, dict) and isinstance(data.get("skeletons"), dict):
        return {k: Skeleton.model_validate(v) for k, v in data["skeletons"].items()}
    return {ALL_BRIEFS: Skeleton.model_validate(data)}


async def evaluate(
    config: EvalConfig,
    golden: GoldenSet,
    settings: Settings,
    *,
    models: EvalModels | None = None,
    concurrency: int = 8,
) -> dict[str, Any]:
    """The report of `config` over `golden`; `models` replaces the resolved ones (tests)."""
    models = models or config.models(settings)
    skeletons = read_skeletons(config.skeleton_file) if config.skeleton_file else {}
    run = await run_eval(golden, models, settings, skeletons=skeletons, concurrency=concurrency)
    described = {
        "label": config.label,
        "chat_model": models.chat.name,
        "writer_model": models.writer.name,
        "skeleton_file": str(config.skeleton_file) if config.skeleton_file else None,
    }
    return build_report(golden, run, described)


def gate_failures(
    report: dict[str, Any],
    *,
    pass_rate: float | None = None,
    max_ungrounded: int | None = None,
    max_leaks: int | None = None,
) -> list[str]:
    """What a report misses of the required figures (empty when every gate holds)."""
    summary = report["summary"]
    label = report["config"].get("label", "")
    failures = []
    if pass_rate is not None and summary["pass_rate"] < pass_rate:
        failures.append(f"{label}: pass rate {summary['pass_rate']:.4f} < {pass_rate}")
    if max_ungrounded is not None and summary["ungrounded_claims"] > max_ungrounded:
        failures.append(
            f"{label}: {summary['ungrounded_claims']} ungrounded claims > {max_ungrounded}"
        )
    if max_leaks is not None and summary["injection_leaks"] > max_leaks:
        failures.append(f"{label}: {summary['injection_leaks']} injection leaks > {max_leaks}")
    return failures
