"""The per-lead writer driven by scripted FunctionModels."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic_ai.exceptions import ModelHTTPError
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.llm.context import read_section
from coldcraft.llm.errors import LLMError
from coldcraft.llm.writer_agent import lead_prompt, shared_prefix, write_email
from coldcraft.skeletons.schema import Lead, Skeleton
from tests.llm.builders import LEADS, good_skeleton, writer_input
from tests.llm.scripted import Step, output_call, resolved, user_prompts

CLEAN = [
    "Since you run operations at Acme, invoices probably land on your desk every week.",
    "Most finance teams lose a few hours each week chasing approvals by hand.",
    "Flowly routes each invoice to the right approver, so nothing sits in an inbox.",
]


def scripted(*answers: list[str]) -> tuple[list[str], Step]:
    """A writer model answering `answers` in order; returns (prompts seen, model fn)."""
    prompts: list[str] = []

    def fn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        prompts.append(user_prompts(messages)[-1])
        return output_call(info, answers[min(len(prompts), len(answers)) - 1])

    return prompts, fn


async def test_writes_each_block_and_renders_the_email() -> None:
    prompts, fn = scripted(CLEAN)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed, email.issues
    assert email.attempts == 1
    assert email.body.startswith("Hi Sarah,")
    assert all(text in email.body for text in CLEAN)
    assert email.body.endswith("Sid")
    assert email.model == "function:test"
    assert email.usage.requests == 1
    blocks = read_section(prompts[0], "ai_blocks")
    assert len(blocks) == 3
    assert "Head of Operations at Acme" in blocks[0]["instruction"]  # merge fields substituted
    assert blocks[0]["section"] == "Opener"


async def test_a_failing_email_gets_exactly_one_repair_with_the_issues_fed_back() -> None:
    dashed = [CLEAN[0].replace(", invoices", " \u2014 invoices"), *CLEAN[1:]]
    prompts, fn = scripted(dashed, CLEAN)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed
    assert email.attempts == 2
    assert len(prompts) == 2
    issues = read_section(prompts[1], "issues")
    assert "em_dash" in {i["rule"] for i in issues}
    assert read_section(prompts[1], "previous_texts") == dashed
    assert email.usage.requests == 2


async def test_an_email_still_failing_after_the_repair_is_returned_with_passed_false() -> None:
    dashed = [CLEAN[0].replace(", invoices", " \u2014 invoices"), *CLEAN[1:]]
    prompts, fn = scripted(dashed)
    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert not email.passed
    assert email.attempts == 2
    assert len(prompts) == 2
    assert "em_dash" in {i.rule for i in email.issues}
    assert email.quality()["passed"] is False
    assert {"rule", "message"} == set(email.quality()["issues"][0])


async def test_the_output_schema_fixes_the_number_of_texts() -> None:
    """Any model that follows the schema returns exactly one text per AI block."""
    schemas: list[dict[str, Any]] = []

    def fn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        schemas.append(info.output_tools[0].parameters_json_schema)
        return output_call(info, CLEAN)

    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed, email.issues
    blocks = schemas[0]["properties"]["blocks"]
    assert (blocks["minItems"], blocks["maxItems"]) == (len(CLEAN), len(CLEAN))


async def test_a_reply_with_the_wrong_number_of_texts_is_refused_and_asked_again() -> None:
    counts: list[int] = []

    def fn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        counts.append(len(messages))
        return output_call(info, CLEAN[:1] if len(counts) == 1 else CLEAN)

    email = await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(fn))
    assert email.passed, email.issues
    assert email.attempts == 1  # the schema caught it; no repair round was needed
    assert email.usage.requests == 2
    assert all(text in email.body for text in CLEAN)


async def test_a_skeleton_without_ai_blocks_needs_no_model_call() -> None:
    def never(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        raise AssertionError("no call expected")

    skeleton = Skeleton(
        subject="Invoices at %company|your team%",
        body="Hi %first_name|there%,\n\nWe help finance teams approve invoices in a day "
        "instead of a week, with fewer emails and no spreadsheets.\n\nWorth a short chat?"
        "\n\n%sender_first%",
    )
    email = await write_email(writer_input(skeleton, LEADS[1]), model=resolved(never))
    assert email.passed, email.issues
    assert email.subject == "Invoices at Initech"
    assert email.attempts == 0
    assert email.usage.requests == 0


async def test_a_malformed_skeleton_is_reported_not_written() -> None:
    skeleton = Skeleton(subject="Hi", body="Hello &&unclosed block")
    email = await write_email(
        writer_input(skeleton, LEADS[0]), model=resolved(lambda m, i: output_call(i, []))
    )
    assert not email.passed
    assert email.issues[0].rule == "ai_block_syntax"


async def test_the_shared_prefix_is_identical_and_lead_data_stays_in_the_user_turn() -> None:
    instructions: list[str] = []

    def fn(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        instructions.append(info.instructions or "")
        return output_call(info, CLEAN)

    skeleton = good_skeleton()
    for lead in [*LEADS, Lead(first_name="Zed", company="Zeta Corp")]:
        await write_email(writer_input(skeleton, lead), model=resolved(fn))
    assert len(set(instructions)) == 1
    assert "Zeta" not in instructions[0]
    assert "Initech" not in instructions[0]
    assert instructions[0].startswith("You are coldcraft's per-lead email writer")
    assert read_section(instructions[0], "skeleton") == skeleton.wire()


async def test_a_provider_refusal_raises_llm_error_without_retrying() -> None:
    calls = 0

    def refused(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        nonlocal calls
        calls += 1
        raise ModelHTTPError(401, "function:test", {"error": "bad key"})

    with pytest.raises(LLMError) as caught:
        await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(refused))
    assert caught.value.code == "upstream_auth"
    assert caught.value.retryable is False
    assert calls == 1


async def test_follow_up_emails_are_judged_with_follow_up_lengths() -> None:
    skeleton = good_skeleton(position=1)
    texts = ["I wrote last week about invoice approvals.", "A small pilot on one team is easy."]
    email = await write_email(
        writer_input(skeleton, LEADS[0], position=1),
        model=resolved(lambda m, i: output_call(i, texts)),
    )
    assert email.passed, email.issues
    assert len(email.body.split()) <= 100


async def test_a_writer_that_never_answers_in_shape_is_an_llm_error() -> None:
    def rambling(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        return output_call(info, "not a list")  # type: ignore[arg-type]

    with pytest.raises(LLMError) as caught:
        await write_email(writer_input(good_skeleton(), LEADS[0]), model=resolved(rambling))
    assert caught.value.code == "upstream_bad_output"


def test_earlier_touches_stay_out_of_the_cached_prefix() -> None:
    first, second = (writer_input(good_skeleton(), lead, position=1) for lead in LEADS[:2])
    first.sequence.prior_nodes = [{"type": "email", "body": "Hi Sarah, first note."}]
    second.sequence.prior_nodes = [{"type": "email", "body": "Hi Marcus, first note."}]
    assert shared_prefix(first) == shared_prefix(second)
    assert read_section(lead_prompt(first, ["x"]), "earlier_touches") == first.sequence.prior_nodes
    assert read_section(lead_prompt(second, ["x"]), "earlier_touches") == [
        {"type": "email", "body": "Hi Marcus, first note."}
    ]
