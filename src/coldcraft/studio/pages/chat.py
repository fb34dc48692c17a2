"""An AI step: the framework chat (conversation, skeleton with merge fields and AI blocks
marked, the judge rule by rule, the example for a chosen lead, earlier versions with a diff),
its examples (a run, each appearing as it is written), and writing its drafts (a run)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.api.deps import AppSettings, DBSession, Queue
from coldcraft.campaigns.access import get_owned
from coldcraft.chat.schemas import TurnRequest
from coldcraft.chat.service import chat_service
from coldcraft.chat.turns import turn_service
from coldcraft.examples.schemas import GenerateExamplesRequest
from coldcraft.examples.service import examples_service
from coldcraft.lint.service import lint_service
from coldcraft.messages.generate import generate_ai_service
from coldcraft.messages.schemas import GenerateAIRequest
from coldcraft.prospects.service import prospect_service
from coldcraft.quotes.schemas import QuoteRequest
from coldcraft.quotes.service import quote_service
from coldcraft.runs.schemas import RunOut
from coldcraft.runs.service import run_service
from coldcraft.sequences.position import Touches
from coldcraft.sequences.service import find_node, sequence_service
from coldcraft.skeletons.judge import judge_skeleton
from coldcraft.skeletons.rules.catalog import RULES
from coldcraft.skeletons.schema import Skeleton
from coldcraft.skeletons.template import render as render_template
from coldcraft.store.models import AIChatSession, Campaign, User
from coldcraft.studio.deps import (
    ActingUser,
    StudioRoute,
    StudioUser,
    parse,
    quote_page,
    redirect,
    render,
)

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
SAMPLE_LEADS = 20  # prospects offered as sample leads
PATH = "/campaigns/{campaign_id}/steps/{node_id}"


def _url(campaign_id: uuid.UUID, node_id: uuid.UUID, rest: str = "") -> str:
    return f"/campaigns/{campaign_id}/steps/{node_id}{rest}"


async def _step(
    session: AsyncSession, user: User, campaign_id: uuid.UUID, node_id: uuid.UUID
) -> tuple[Campaign, Any, int, AIChatSession | None]:
    campaign = await get_owned(session, user, campaign_id)
    nodes = await sequence_service.list_nodes(session, campaign.id)
    node = find_node(nodes, node_id)
    position = Touches.of(nodes).position(node.id) or 0
    return campaign, node, position, await chat_service.for_node(session, campaign.id, node.id)


def _rule_table(issues: list[Any]) -> list[dict[str, Any]]:
    """Every rule of the judge with its issues on this skeleton (none: it passes)."""
    by_rule: dict[str, list[Any]] = {}
    for issue in issues:
        by_rule.setdefault(issue.rule, []).append(issue)
    return [
        {"rule": rule, "checks": info.checks, "issues": by_rule.get(rule, [])}
        for rule, info in RULES.items()
    ]


@router.get(PATH + "/chat")
async def chat_page(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    settings: AppSettings,
    lead: uuid.UUID | None = None,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    campaign, node, position, chat = await _step(session, user, campaign_id, node_id)
    if node.type != "ai":
        return redirect(_url(campaign.id, node.id))
    leads, _ = await prospect_service.list_leads(
        session, user, campaign.id, page=1, limit=SAMPLE_LEADS
    )
    context: dict[str, Any] = {
        "campaign": campaign,
        "node": node,
        "chat": chat,
        "leads": leads,
        "lead": None,
        "run": None,
        "skeleton": None,
        "rules": [],
        "passed": None,
        "history": [],
        "version": None,
        "examples": chat_service.examples_of(chat) if chat else [],
        "quote": await quote_service.preview(
            session,
            user,
            QuoteRequest(action="chat_turn", campaign_id=campaign.id, node_id=node.id),
            settings=settings,
        ),
    }
    if chat and chat.task_run_id:
        run = await run_service.read(session, chat.task_run_id)
        context["run"] = RunOut.from_run(run) if run else None
    if chat and chat.skeleton:
        skeleton = Skeleton.model_validate(chat.skeleton)
        judge = await lint_service.judge_context(
            session, user, settings, sequence_position=position
        )
        issues = judge_skeleton(skeleton, judge)
        history = list(chat.skeleton_history or [])
        chosen = next((p for p in leads if lead is not None and p.id == lead), None)
        context |= {
            "skeleton": skeleton,
            "rules": _rule_table(issues),
            "passed": not any(i.severity == "error" for i in issues),
            "history": history,
            "version": version if version and version <= len(history) else None,
            "lead": chosen,
            "rendered": _for_lead(skeleton, chosen) if chosen else None,
            "lead_example": next(
                (e for e in context["examples"] if chosen and e.lead_id == str(chosen.id)), None
            ),
        }
    return render(request, "chat.html", context)


def _for_lead(skeleton: Skeleton, prospect: Any) -> dict[str, str]:
    """The skeleton for this lead, merge fields filled and AI blocks shown as instructions."""
    lead = prospect_service.to_lead(prospect)
    out = {}
    for key, template in (("subject", skeleton.subject), ("body", skeleton.body)):
        blocks = render_template(template, lead).ai_blocks
        marks = [f"&&{b}&&" for b in blocks]
        out[key] = render_template(template, lead, ai_texts=marks).text
    return out


@router.get(PATH + "/examples")
async def examples_fragment(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
) -> Response:
    """The examples list alone: the chat page refreshes it as a run writes them."""
    _, _, _, chat = await _step(session, user, campaign_id, node_id)
    examples = chat_service.examples_of(chat) if chat else []
    return render(request, "_examples.html", {"examples": examples})


@router.post(PATH + "/chat")
async def send_message(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    queue: Queue,
    message: Annotated[str, Form(max_length=8000)],
) -> Response:
    """A turn, as a run: the page shows that it is working and reloads with the reply."""
    chat, _ = await chat_service.open_for_node(session, user, campaign_id, node_id)
    data = parse(TurnRequest, message=message)
    await turn_service.start_turn(session, queue, user, chat.id, data, settings=settings)
    return redirect(_url(campaign_id, node_id, "/chat#conversation"))


@router.post(PATH + "/examples")
async def generate_examples(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    queue: Queue,
    lead_ids: Annotated[list[uuid.UUID] | None, Form()] = None,
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Examples for the chosen prospects: the quote first, then the run."""
    campaign, _, _, chat = await _step(session, user, campaign_id, node_id)
    prospects = await prospect_service.get_many(session, campaign.id, lead_ids or [])
    if not prospects or chat is None:
        return redirect(_url(campaign_id, node_id, "/chat"), flash="Choose at least one lead.")
    if not confirmed:
        request_ = QuoteRequest(
            action="generate_examples", campaign_id=campaign.id, count=len(prospects)
        )
        quote = await quote_service.preview(session, user, request_, settings=settings)
        return quote_page(
            request,
            quote,
            what=f"Write {len(prospects)} example email(s)",
            fields={"lead_ids": [str(p.id) for p in prospects]},
            back=_url(campaign_id, node_id, "/chat"),
        )
    leads = [_lead_in(p) for p in prospects]
    data = parse(GenerateExamplesRequest, leads=leads)
    await examples_service.generate(
        session, queue, user, chat.id, data, settings=settings, campaign_id=campaign.id
    )
    return redirect(_url(campaign_id, node_id, "/chat#examples"), flash="Writing examples.")


def _lead_in(prospect: Any) -> dict[str, Any]:
    lead = prospect_service.to_lead(prospect).model_dump(exclude_none=True)
    lead["custom_fields"] = {
        k: v for k, v in (lead.get("custom_fields") or {}).items() if not isinstance(v, dict | list)
    }
    return lead


@router.get(PATH + "/generate")
async def confirm_generate(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    settings: AppSettings,
) -> Response:
    """The quote for writing every prospect's AI draft of this step."""
    campaign, node, _, _ = await _step(session, user, campaign_id, node_id)
    quote = await quote_service.preview(
        session,
        user,
        QuoteRequest(action="generate_ai", campaign_id=campaign.id, node_id=node.id),
        settings=settings,
    )
    what = f"Write the AI drafts of step {node.position + 1} for every prospect"
    return quote_page(request, quote, what=what, fields={}, back=f"/campaigns/{campaign.id}")


@router.post(PATH + "/generate")
async def generate_drafts(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    queue: Queue,
) -> Response:
    data = GenerateAIRequest(action="generate_ai", node_id=node_id)
    started, prospects = await generate_ai_service.start(
        session, queue, user, campaign_id, data, settings=settings
    )
    back = f"/campaigns/{campaign_id}/review"
    return redirect(f"/runs/{started.run_id}?back={back}", flash=f"Writing {prospects} draft(s).")
