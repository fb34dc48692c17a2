"""Small golden sets and runs for the eval's tests."""

from __future__ import annotations

from typing import Any

from coldcraft.config import Settings
from coldcraft.evals.evaluate import EvalConfig, evaluate
from coldcraft.evals.golden import Brief, GoldenLead, GoldenSet, load_golden
from coldcraft.evals.runner import EvalModels
from coldcraft.llm.models import ResolvedModel, resolve_model

OFFLINE = Settings(chat_model="offline", writer_model="offline")


def offline_models() -> EvalModels:
    return EvalModels(resolve_model("chat", OFFLINE), resolve_model("writer", OFFLINE))


def first_touch() -> Brief:
    return load_golden().brief("invoice-first")


def small_set(leads: list[GoldenLead], *briefs: Brief) -> GoldenSet:
    return GoldenSet(leads=tuple(leads), briefs=briefs or (first_touch(),))


async def report_with(writer: ResolvedModel, golden: GoldenSet) -> dict[str, Any]:
    """The report of `golden` with the offline chat model and `writer`."""
    models = EvalModels(resolve_model("chat", OFFLINE), writer)
    return await evaluate(EvalConfig(), golden, OFFLINE, models=models)
