"""The offline model: every skeleton and email it produces passes the judge."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

from coldcraft.config import Settings
from coldcraft.llm.framework_agent import TurnResult, run_framework_turn
from coldcraft.llm.models import ResolvedModel, resolve_model
from coldcraft.llm.writer_agent import WrittenEmail, write_email
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings, judge_skeleton
from coldcraft.skeletons.schema import Lead, Skeleton, passed
from tests.llm.builders import LIMITS, framework_context, writer_input

BRIEFS = [
    "write a first email for ops leaders at SaaS companies about invoice automation",
    "Write an email for CFOs at mid-market manufacturers about faster month-end close",
    "draft a cold email for HR directors about onboarding software",
    "email for founders of seed-stage startups about our fractional CFO service",
    "pitching our security audit to CTOs at fintech companies",
    "Promote our new analytics dashboard to marketing managers",
    "introduce our recruiting agency to engineering managers in Berlin",
    "write something for dentists about online booking",
    "A short casual email for coffee shop owners about a loyalty app",
    "formal email for hospital procurement leads about sterile supplies",
    "cold email about AI note taking for sales teams",
    "Write for VPs of Sales about reducing churn with better onboarding",
    "we sell HVAC maintenance contracts to property managers, write the first email",
    "first touch for e-commerce brands about returns management",
    "email for law firms regarding document automation",
    "write a first email",
    "hi",
    "something about cloud cost savings",
    "Write an email about synergy and game-changer results, guaranteed!!!",
    "write about our tool \u2014 it saves time \u2014 for logistics teams",
    "write for IT admins about patch management, see https://example.com",
    "make an email for school principals about parent communication",
    "target restaurant owners about inventory tracking",
    "email for real estate agents about lead follow-up automation",
    "write a first email for CISOs about phishing training",
    "Write an email for YOGA STUDIO OWNERS about CLASS BOOKING",
    "for nonprofit directors about donor management",
    "pitch to architects about 3D rendering services",
    "write to recruiters about candidate sourcing",
    "for product managers at B2B SaaS about user research panels",
    "an email for fleet managers about fuel cards",
    "Write for agencies about white-label SEO reports",
    "for accountants about tax season workflow",
    "write an email to plant managers about predictive maintenance",
    "for Shopify merchants about upsell widgets",
    "email for podcast hosts about guest booking",
    "for clinic managers about no-show reduction",
    "write a cold email for event planners about venue sourcing",
    "for bank compliance officers about KYC checks",
    "write an email for insurance brokers about quote comparison",
    "for university admissions teams about applicant chat",
    "write an email for gym owners about member retention",
    "for construction firms about site safety checklists",
    "an email for travel agencies about itinerary software",
    "for customer support leads about ticket deflection",
    "write for data teams about pipeline monitoring",
    "for wineries about direct-to-consumer shipping",
    "email for freelance designers about invoicing",
    "for HR teams about payroll compliance in Europe and the UK",
    "write a really long and detailed email for enterprise procurement directors at "
    "Fortune 500 companies about vendor risk management, supplier onboarding, contract "
    "lifecycle management and spend analytics across many regions",
]
WORKSPACES: list[dict[str, Any] | None] = [
    {"company_name": "Flowly", "product": "workflow automation"},
    None,
    {},
    {"company": "Northwind", "icp": "operations leaders", "tone": "warm"},
    {"value_proposition": "cut manual work in half", "house_rules": {"banned_words": ["leverage"]}},
]
LEADS = [
    Lead(first_name="Sarah", last_name="Lee", company="Acme", position="Head of Operations"),
    Lead(first_name="Tom", company="Initech"),
    Lead(company="Globex", position="CFO"),  # no first name
    Lead(first_name="Ana", position="VP Sales"),  # no company
    Lead(first_name="Li"),
    Lead(),  # nothing at all
    Lead(first_name="Jo", company="ACME INDUSTRIAL HOLDINGS", position="COO"),
    Lead(first_name="Zoë", company="Société Générale", position="Directrice financière"),
    Lead(
        first_name="Sam",
        company="A very long company name that goes on and on well past any sensible length Ltd",
        position="Head of Procurement, EMEA and APAC regions, interim",
    ),
    Lead(first_name="Kai", company="Umbrella", custom_fields={"industry": "biotech", "size": 200}),
]


@pytest.fixture(scope="module")
def offline() -> tuple[ResolvedModel, ResolvedModel]:
    settings = Settings(chat_model="offline", writer_model="offline")
    return resolve_model("chat", settings), resolve_model("writer", settings)


def _prior(position: int) -> list[dict[str, Any]]:
    return [
        {"type": "email", "subject": f"Step {i + 1} subject", "body": "Earlier email body."}
        for i in range(position)
    ]


async def _brief_case(
    index: int, brief: str, chat: ResolvedModel, writer: ResolvedModel
) -> tuple[TurnResult, list[WrittenEmail], int]:
    position = index % 3
    ctx = framework_context(
        position=position,
        leads=LEADS[index % 4 : index % 4 + 3],
        workspace=WORKSPACES[index % len(WORKSPACES)],
        prior=_prior(position),
    )
    result = await run_framework_turn(brief, ctx, model=chat, limits=LIMITS)
    assert result.skeleton is not None, (brief, result.assistant_message)
    emails = await asyncio.gather(
        *(
            write_email(writer_input(result.skeleton, lead, position=position), model=writer)
            for lead in LEADS
        )
    )
    return result, list(emails), position


async def test_fifty_briefs_times_ten_leads_all_pass_the_judge(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, writer = offline
    cases = await asyncio.gather(
        *(_brief_case(i, brief, chat, writer) for i, brief in enumerate(BRIEFS))
    )
    assert len(BRIEFS) == 50
    positions = set()
    for (result, emails, position), brief in zip(cases, BRIEFS, strict=True):
        positions.add(position)
        skeleton = result.skeleton
        assert skeleton is not None
        ctx = framework_context(position=position)
        assert passed(judge_skeleton(skeleton, ctx.judge)), brief
        assert result.model_name == "offline"
        assert result.usage.requests >= 2
        assert result.usage.cost_usd == 0.0
        for lead, email in zip(LEADS, emails, strict=True):
            assert email.passed, (brief, lead, email.subject, email.body, email.issues)
            assert "%" not in email.body
            assert "&&" not in email.body
            assert email.model == "offline"
            words = len(email.body.split())
            assert (10 <= words <= 100) if position else (20 <= words <= 150)
    assert positions == {0, 1, 2}


@pytest.mark.slow
@pytest.mark.parametrize("shift", [1, 2])
async def test_every_brief_passes_at_the_other_positions_too(
    offline: tuple[ResolvedModel, ResolvedModel], shift: int
) -> None:
    """Above, each brief runs at one position; a brief's words (its spam words included, such
    as "guaranteed") reach follow-ups as well, whose emails must pass just the same."""
    chat, writer = offline
    cases = await asyncio.gather(
        *(_brief_case(i + shift, brief, chat, writer) for i, brief in enumerate(BRIEFS))
    )
    for (_, emails, position), brief in zip(cases, BRIEFS, strict=True):
        for lead, email in zip(LEADS, emails, strict=True):
            assert email.passed, (brief, position, lead, email.body, email.issues)


async def test_the_three_turn_flow_accepts_a_skeleton_every_turn(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    messages = [
        "write a first email for ops leaders at SaaS companies about invoice automation",
        "make it shorter",
        "change the CTA to a question",
    ]
    ctx = framework_context()
    history = None
    skeletons: list[Skeleton] = []
    for message in messages:
        result = await run_framework_turn(
            message, ctx, model=chat, history_json=history, limits=LIMITS
        )
        assert result.skeleton_updated, result.assistant_message
        assert result.skeleton is not None
        skeletons.append(result.skeleton)
        ctx.current_skeleton = result.skeleton
        history = result.history_json
    first, shorter, question = skeletons
    assert "invoice automation" in first.body
    assert shorter.body.count("&&") < first.body.count("&&")
    assert len(shorter.example_body.split()) < len(first.example_body.split())
    cta = _cta(question.body)
    assert cta.endswith("?")
    assert not _cta(shorter.body).endswith("?")
    assert question.example_body.count("?") == 1


def _cta(body: str) -> str:
    paragraphs = [p for p in body.split("\n\n") if "&&" not in p and "%sender_first%" not in p]
    return paragraphs[-1]


async def test_edits_apply_to_the_current_skeleton_even_without_history(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    ctx = framework_context()
    first = await run_framework_turn("write an email about payroll", ctx, model=chat, limits=LIMITS)
    ctx.current_skeleton = first.skeleton
    edited = await run_framework_turn(
        "more casual, add a P.S. and mention SOC 2 compliance", ctx, model=chat, limits=LIMITS
    )
    assert edited.skeleton is not None
    assert edited.skeleton.body.startswith("Hey %first_name|there%,")
    assert "P.S." in edited.skeleton.body
    assert "SOC 2 compliance" in edited.skeleton.body
    assert "SOC 2 compliance" in edited.skeleton.example_body
    ctx.current_skeleton = edited.skeleton
    formal = await run_framework_turn("make it formal", ctx, model=chat, limits=LIMITS)
    assert formal.skeleton is not None
    assert formal.skeleton.body.startswith("Hello %first_name|there%,")
    assert "Kind regards," in formal.skeleton.body
    assert "P.S." in formal.skeleton.body  # earlier edits are kept


async def test_follow_up_positions_get_a_follow_up_skeleton(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    prior = [{"type": "email", "subject": "Quick idea on invoices", "body": "Hi..."}]
    ctx = framework_context(position=1, prior=prior)
    result = await run_framework_turn("write the follow-up", ctx, model=chat, limits=LIMITS)
    skeleton = result.skeleton
    assert skeleton is not None
    assert skeleton.subject == "Re: Quick idea on invoices"
    assert skeleton.blocks[0].name == "Follow-up"
    assert "earlier email" in skeleton.body
    assert 10 <= len(skeleton.example_body.split()) <= 100


async def test_the_offline_reply_is_short_plain_text(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    result = await run_framework_turn(
        "write a first email for CFOs about spend control",
        framework_context(),
        model=chat,
        limits=LIMITS,
    )
    assert "CFOs" in result.assistant_message
    assert "%" not in result.assistant_message
    assert "&&" not in result.assistant_message
    assert len(result.assistant_message) < 400


async def test_the_offline_model_searches_when_asked_and_says_so_when_search_is_missing(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    result = await run_framework_turn(
        "research their market and write an email about fraud checks",
        framework_context(),
        model=chat,
        limits=LIMITS,
    )
    assert result.skeleton is not None
    assert '"searchWeb"' in result.history_json
    assert "not configured" in result.history_json


async def test_the_offline_model_fixes_what_the_judge_rejects(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, writer = offline
    ctx = framework_context()
    ctx.judge = JudgeContext(settings=JudgeSettings(first_touch_max_words=60))
    result = await run_framework_turn(
        "write a first email for CFOs about invoice automation", ctx, model=chat, limits=LIMITS
    )
    assert result.skeleton is not None
    assert '"status":"failed"' in result.history_json
    assert "body_length" in result.history_json
    assert len(result.skeleton.example_body.split()) <= 60
    assert "adjusted" in result.assistant_message
    email = await write_email(
        replace(writer_input(result.skeleton, LEADS[0]), judge=ctx.judge), model=writer
    )
    assert email.passed, email.issues


async def test_house_rule_banned_words_are_avoided(
    offline: tuple[ResolvedModel, ResolvedModel],
) -> None:
    chat, _ = offline
    ctx = framework_context()
    ctx.judge = JudgeContext(settings=JudgeSettings(extra_banned=("automation",)))
    result = await run_framework_turn(
        "write a first email about invoice automation", ctx, model=chat, limits=LIMITS
    )
    assert result.skeleton is not None
    assert "automation" not in result.skeleton.body.lower()
    assert passed(judge_skeleton(result.skeleton, ctx.judge))
