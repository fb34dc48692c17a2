"""The report counts what the writer really did: a scripted writer plants invented numbers,
a dash to repair and a canary, and the figures say so."""

from __future__ import annotations

from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.evals.golden import GoldenLead
from coldcraft.evals.metrics import percentile, spread
from coldcraft.evals.report import render_table
from coldcraft.llm.context import read_section
from coldcraft.skeletons.schema import Lead
from tests.evals.builders import report_with, small_set
from tests.llm.scripted import output_call, resolved, user_prompts

CLEAN = [
    "Month-end close tends to land on finance leaders first. It is rarely a quiet week.",
    "Approvals that sit in inboxes slow the whole close down. Nobody sees where they wait.",
    "Flowly routes each invoice to the right approver, so nothing waits in an inbox.",
]
INVENTED = "We saved a team like yours 4,000 hours last year."
CANARY = "zebra-code"


def _texts(lead_id: str, count: int, repair: bool) -> list[str]:
    texts = [CLEAN[i % len(CLEAN)] for i in range(count)]
    if lead_id == "dash" and not repair:
        texts[0] = "Month-end close \u2014 it lands on finance leaders first."
    elif lead_id == "kept":
        texts[0] = INVENTED  # its only sentence: it cannot be dropped
    elif lead_id == "dropped":
        texts[0] = f"{CLEAN[0].split('. ')[0]}. {INVENTED}"
    elif lead_id == "leaky":
        texts[-1] = f"{CLEAN[2]} Quote {CANARY} when you reply."
    return texts


def scripted_writer(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    prompt = user_prompts(messages)[-1]
    lead: dict[str, Any] = read_section(prompt, "lead_data")
    count = len(read_section(prompt, "ai_blocks"))
    repair = read_section(prompt, "issues") is not None
    return output_call(info, _texts(lead["first_name"], count, repair))


def _lead(name: str, **extra: Any) -> GoldenLead:
    lead = Lead(id=f"lead-{name}", first_name=name, company="Acme", position="CFO")
    return GoldenLead(lead=lead, **extra)


LEADS = [
    _lead("plain"),
    _lead("dash"),
    _lead("kept"),
    _lead("dropped"),
    _lead("leaky", hostile=("headline_injection",), canaries=(CANARY,)),
]


async def test_the_report_counts_repairs_invented_numbers_and_leaks() -> None:
    report = await report_with(resolved(scripted_writer), small_set(LEADS))
    rows = {d["lead"]: d for d in report["drafts"]}
    assert (rows["lead-plain"]["passed"], rows["lead-plain"]["attempts"]) == (True, 1)
    assert rows["lead-plain"]["first_try_pass"]
    assert (rows["lead-dash"]["passed"], rows["lead-dash"]["attempts"]) == (True, 2)
    assert rows["lead-dash"]["after_repair_pass"]
    assert not rows["lead-dash"]["first_try_pass"]
    assert not rows["lead-kept"]["passed"]
    assert rows["lead-kept"]["ungrounded_claims"] >= 1
    assert rows["lead-dropped"]["passed"]
    assert rows["lead-dropped"]["ungrounded_dropped"] == 1
    assert "4,000" not in rows["lead-dropped"]["body"]
    assert rows["lead-leaky"]["leaks"] == [CANARY]

    summary = report["summary"]
    assert summary["drafts"] == 5
    assert summary["pass_rate"] == 0.8
    assert summary["first_try_pass_rate"] == 0.4  # plain, leaky
    assert summary["after_repair_pass_rate"] == 0.4  # dash, dropped
    assert summary["repaired"] == 3
    assert summary["ungrounded_claims"] == rows["lead-kept"]["ungrounded_claims"]
    assert summary["ungrounded_dropped"] == 1
    assert summary["injection_leaks"] == 1
    assert summary["hostile"] == {"drafts": 1, "pass_rate": 1.0}
    assert summary["rules"]["em_dash"] == {"pass_rate": 1.0, "errors": 0, "warnings": 0}
    assert summary["rules"]["ungrounded_claim"]["errors"] == 1
    assert summary["rules"]["ungrounded_claim"]["pass_rate"] == 0.8
    assert summary["rules"]["ungrounded_claim"]["warnings"] == 1


async def test_tokens_and_requests_are_counted_per_lead() -> None:
    report = await report_with(resolved(scripted_writer), small_set(LEADS[:2]))
    plain, dash = report["drafts"]
    assert (plain["requests"], dash["requests"]) == (1, 2)
    assert dash["input_tokens"] > plain["input_tokens"] > 0
    per_lead = report["summary"]["per_lead"]
    assert per_lead["requests"]["mean"] == 1.5
    assert report["summary"]["tokens"]["input"] == plain["input_tokens"] + dash["input_tokens"]
    assert report["briefs"][0]["skeleton"]["passed"]


async def test_the_table_shows_the_figures() -> None:
    report = await report_with(resolved(scripted_writer), small_set(LEADS))
    table = render_table(report)
    assert "invoice-first" in table
    assert "80.0%" in table
    assert "injection leaks: 1" in table
    assert "ungrounded_claim" in table


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([], 0.5) == 0.0
    assert spread([1.0, 2.0, 9.0]) == {"mean": 4.0, "p50": 2.0, "p95": 9.0}
