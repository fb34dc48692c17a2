"""`--compare`: paired differences with a bootstrap interval, and no difference for twins."""

from __future__ import annotations

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.evals.compare import compare_reports, render_comparison, verdict
from coldcraft.evals.golden import load_golden
from coldcraft.llm.context import read_section
from tests.evals.builders import offline_models, report_with, small_set
from tests.evals.test_metrics import CLEAN, INVENTED
from tests.llm.scripted import output_call, resolved, user_prompts

LEADS = list(load_golden().leads[:12])
INVENTING = {"Sarah", "Marco", "Lena", "Emily"}  # 4 of the 12 leads get an invented number


def sometimes_inventing(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    prompt = user_prompts(messages)[-1]
    lead = read_section(prompt, "lead_data")
    texts = [CLEAN[i % len(CLEAN)] for i in range(len(read_section(prompt, "ai_blocks")))]
    if lead.get("first_name") in INVENTING:
        texts[0] = INVENTED
    return output_call(info, texts)


async def test_a_worse_writer_shows_a_difference_outside_the_noise() -> None:
    golden = small_set(LEADS)
    a = await report_with(offline_models().writer, golden)
    b = await report_with(resolved(sometimes_inventing), golden)
    comparison = compare_reports(a, b)
    assert comparison["paired_drafts"] == 12
    passed = comparison["differences"]["pass_rate"]
    assert (passed["a"], passed["b"], passed["diff"]) == (1.0, 0.6667, -0.3333)
    low, high = passed["ci95"]
    assert low <= passed["diff"] <= high < 0
    assert passed["verdict"] == "B lower"
    ungrounded = comparison["differences"]["ungrounded_claims_per_draft"]
    assert ungrounded["diff"] > 0
    assert ungrounded["ci95"][0] > 0
    assert "B lower" in render_comparison(comparison)


async def test_identical_configurations_differ_by_nothing() -> None:
    golden = small_set(LEADS[:6])
    a = await report_with(offline_models().writer, golden)
    again = await report_with(offline_models().writer, golden)
    comparison = compare_reports(a, again)
    for name, figure in comparison["differences"].items():
        if name == "latency_ms_per_lead":  # wall time: never the same twice
            continue
        assert figure["diff"] == 0, name
        assert figure["ci95"] == [0, 0], name
        assert figure["verdict"] == "no difference", name


def test_an_interval_across_zero_is_within_noise() -> None:
    assert verdict(0.02, -0.01, 0.05) == "within noise"
    assert verdict(0.02, 0.01, 0.05) == "B higher"
    assert verdict(-0.02, -0.05, -0.01) == "B lower"
    assert verdict(0, 0, 0) == "no difference"
