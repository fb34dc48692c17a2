"""The offline model understands the common edit instructions, and leaves the framework alone
when the message is a question. Each row: an instruction (after an optional setup turn) and
its expected effect on the skeleton, which must still pass the judge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from coldcraft.config import Settings
from coldcraft.llm.framework_agent import TurnResult, run_framework_turn
from coldcraft.llm.models import ResolvedModel, resolve_model
from coldcraft.skeletons.judge import JudgeContext, judge_skeleton
from coldcraft.skeletons.schema import Skeleton, passed
from tests.llm.builders import LIMITS, framework_context

BRIEF = "write a first email for ops leaders at SaaS companies about invoice automation"
Check = Callable[[Skeleton, Skeleton], bool]


def cta(skeleton: Skeleton) -> str:
    plain = [p for p in skeleton.body.split("\n\n") if "&&" not in p and "%sender_" not in p]
    return plain[-1]


def names(skeleton: Skeleton) -> list[str]:
    return [block.name for block in skeleton.blocks]


def signoff(skeleton: Skeleton) -> str:
    return next(p for p in skeleton.body.split("\n\n") if "%sender_first%" in p).split("\n")[0]


@dataclass(frozen=True)
class Case:
    instruction: str
    check: Check
    setup: str | None = None
    changes: bool = True  # False: a question, answered with skeleton_updated false


CASES = [
    Case("make it shorter", lambda b, a: len(a.blocks) < len(b.blocks)),
    Case("tighter please, fewer words", lambda b, a: len(a.blocks) < len(b.blocks)),
    Case(
        "give it more detail",
        lambda b, a: "Problem" in names(a) and "Keep it short." not in a.blocks[0].strategy,
        setup="make it shorter",
    ),
    Case("more casual", lambda b, a: a.body.startswith("Hey %first_name|there%,")),
    Case("friendlier please", lambda b, a: a.body.startswith("Hey ")),
    Case(
        "make it formal",
        lambda b, a: a.body.startswith("Hello ") and signoff(a) == "Kind regards,",
    ),
    Case("add a P.S.", lambda b, a: "P.S." in a.body),
    Case("remove the P.S.", lambda b, a: "P.S." not in a.body, setup="add a P.S."),
    Case("change the CTA to a question", lambda b, a: cta(a).endswith("?")),
    Case(
        "make the call to action a statement, not a question",
        lambda b, a: cta(a).endswith("."),
        setup="change the CTA to a question",
    ),
    Case(
        "Ask for a 15-minute call instead of offering an overview",
        lambda b, a: cta(a) == "Would you be open to a 15-minute call?",
    ),
    Case(
        "Change the call to action to: Reply with a good time this week",
        lambda b, a: cta(a) == "Reply with a good time this week.",
    ),
    Case(
        "Change the subject line to: Invoices without the chase",
        lambda b, a: a.subject == "Invoices without the chase",
    ),
    Case("subject: Approvals in a day", lambda b, a: a.subject == "Approvals in a day"),
    Case(
        "Use the subject 'Month-end, minus the scramble'",
        lambda b, a: a.subject == "Month-end, minus the scramble",
    ),
    Case(
        "Mention that our customers cut their close from 10 days to 4",
        lambda b, a: (
            "our customers cut their close from 10 days to 4" in a.body
            and "from 10 days to 4" in a.example_body
        ),
    ),
    Case("mention SOC 2 compliance", lambda b, a: "SOC 2 compliance" in a.example_body),
    Case(
        "Remove the sentence about small delays adding up",
        lambda b, a: (
            "Problem" not in names(a) and a.subject == b.subject and "delays" not in a.example_body
        ),
    ),
    Case(
        "remove the part about their role",
        lambda b, a: "Opener" not in names(a) and len(a.blocks) == len(b.blocks) - 1,
    ),
    Case("sign off with Thanks", lambda b, a: signoff(a) == "Thanks,"),
    Case("change the sign-off to 'Talk soon'", lambda b, a: signoff(a) == "Talk soon,"),
    Case(
        "more formal and add a P.S.",
        lambda b, a: a.body.startswith("Hello ") and "P.S." in a.body,
    ),
    Case(
        "shorter, and mention our free trial",
        lambda b, a: len(a.blocks) < len(b.blocks) and "our free trial" in a.example_body,
    ),
    Case("Can you make it shorter?", lambda b, a: len(a.blocks) < len(b.blocks)),
    Case(
        "keep the subject but make it more casual",
        lambda b, a: a.subject == b.subject and a.body.startswith("Hey "),
    ),
    Case(
        "make it formal",
        lambda b, a: a.subject == "Invoices without the chase",  # an earlier edit is kept
        setup="Change the subject line to: Invoices without the chase",
    ),
    Case(
        "Write a new email for CFOs about spend management",
        lambda b, a: "spend management" in a.subject.lower() + a.blocks[0].strategy,
    ),
    Case("What do you think of this framework?", lambda b, a: a == b, changes=False),
    Case("Why did you choose this subject?", lambda b, a: a == b, changes=False),
    Case("Is this too long?", lambda b, a: a == b, changes=False),
]


async def _turn(message: str, current: Skeleton | None, chat: ResolvedModel) -> TurnResult:
    ctx = framework_context(current=current)
    return await run_framework_turn(message, ctx, model=chat, limits=LIMITS)


@pytest.fixture(scope="module")
def offline() -> tuple[ResolvedModel, ResolvedModel]:
    settings = Settings(chat_model="offline", writer_model="offline")
    return resolve_model("chat", settings), resolve_model("writer", settings)


@pytest.fixture
async def base(offline: tuple[ResolvedModel, ResolvedModel]) -> Skeleton:
    first = await _turn(BRIEF, None, offline[0])
    assert first.skeleton is not None
    return first.skeleton


def test_the_table_covers_at_least_25_instructions() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.instruction for c in CASES])
async def test_an_instruction_has_its_effect(
    case: Case, base: Skeleton, offline: tuple[ResolvedModel, ResolvedModel]
) -> None:
    chat, _ = offline
    before = base
    if case.setup is not None:
        set_up = await _turn(case.setup, base, chat)
        assert set_up.skeleton is not None
        before = set_up.skeleton
    result = await _turn(case.instruction, before, chat)
    after = result.skeleton if result.skeleton is not None else before
    assert result.skeleton_updated is case.changes, result.assistant_message
    assert case.check(before, after), (after.subject, after.body, names(after))
    assert passed(judge_skeleton(after, JudgeContext()))
    if not case.changes:
        assert "left the framework as it is" in result.assistant_message


async def test_a_brief_keeps_its_pain_proof_and_call_to_action(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    brief = (
        "write an email for controllers about month-end close. Pain: manual reconciliation; "
        "proof: our customers cut their close from 10 days to 4; CTA: a 15-minute call"
    )
    result = await _turn(brief, None, offline[0])
    skeleton = result.skeleton
    assert skeleton is not None
    assert cta(skeleton) == "Would you be open to a 15-minute call?"
    assert "manual reconciliation" in skeleton.body
    assert "from 10 days to 4" in skeleton.body
    assert "15-minute call" not in skeleton.blocks[1].strategy  # not taken for the audience
