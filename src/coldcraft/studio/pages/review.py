"""The review: the summary, the queue (flagged first), the draft view and its actions
(approve, reject, edit with a live verdict, regenerate with a note after a quote, restore),
and bulk approve of a filter after a confirmation that says how many."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Body, Form, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.api.deps import AppSettings, DBSession, Queue, Sessions
from coldcraft.campaigns.access import get_owned
from coldcraft.chat.service import chat_service
from coldcraft.errors import InvalidRequest
from coldcraft.messages.generate import generate_ai_service
from coldcraft.messages.review_service import review_service
from coldcraft.messages.schemas import MessageEdit, MessageFilter, RegenerateRequest, ReviewRequest
from coldcraft.prospects.service import prospect_service
from coldcraft.quotes.schemas import QuoteRequest
from coldcraft.quotes.service import quote_service
from coldcraft.senders.service import sender_service
from coldcraft.sequences.service import find_node, sequence_service
from coldcraft.skeletons.schema import CampaignInfo
from coldcraft.skeletons.template import compile_template
from coldcraft.skeletons.template import render as render_template
from coldcraft.store.models import Campaign, CampaignProspectMessage
from coldcraft.store.session import reading
from coldcraft.studio import queries
from coldcraft.studio.checks import check_draft
from coldcraft.studio.deps import (
    ActingUser,
    DetachedActingUser,
    StudioRoute,
    StudioUser,
    parse,
    quote_page,
    redirect,
    render,
)

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
QUEUE_PAGE = 50
# A query string's booleans, read as the API's query parameters are (the JSON filter itself
# takes only true JSON booleans).
QUERY_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
BOOL_KEYS = ("flagged", "edited")
FILTER_KEYS = ("review", "flagged", "rule", "missing_field", "node_id", "source", "edited")


def filter_of(params: Mapping[str, str]) -> tuple[MessageFilter, str]:
    """The queue's filter from query parameters (unsent drafts), and its query string."""
    values = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    typed: dict[str, object] = {
        k: QUERY_BOOLS.get(v, v) if k in BOOL_KEYS else v for k, v in values.items()
    }
    return parse(MessageFilter, status="draft", **typed), urlencode(values)


def _base(campaign_id: uuid.UUID) -> str:
    return f"/campaigns/{campaign_id}"


@router.get("/campaigns/{campaign_id}/review")
async def summary_page(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: StudioUser
) -> Response:
    campaign = await get_owned(session, user, campaign_id)
    summary = await review_service.summary(
        session, user, campaign.id, MessageFilter(status="draft")
    )
    return render(request, "review.html", {"campaign": campaign, "s": summary, "tab": "review"})


@router.get("/campaigns/{campaign_id}/review/queue")
async def queue_page(
    campaign_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    found, qs = filter_of(request.query_params)
    offset = (page - 1) * QUEUE_PAGE
    result = await queries.queue_page(
        session, user, campaign_id, found, offset=offset, limit=QUEUE_PAGE
    )
    context = {
        "campaign": result.campaign,
        "rows": result.rows,
        "total": result.total,
        "page": page,
        "limit": QUEUE_PAGE,
        "qs": qs,
        "found": found,
        "tab": "review",
    }
    return render(request, "queue.html", context)


@router.get("/campaigns/{campaign_id}/review/at")
async def queue_position(
    campaign_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    i: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """The draft at position `i` of the filtered queue (where next/previous lead)."""
    found, qs = filter_of(request.query_params)
    result = await queries.queue_page(session, user, campaign_id, found, offset=i, limit=1)
    if not result.rows:
        done = "The end of the queue." if result.total else "Nothing left in this queue."
        return redirect(f"{_base(campaign_id)}/review/queue?{qs}", flash=done)
    message = result.rows[0].message
    return redirect(f"{_base(campaign_id)}/drafts/{message.id}?{_nav(qs, i)}")


def _nav(qs: str, i: int | None) -> str:
    return qs if i is None else (f"{qs}&i={i}" if qs else f"i={i}")


async def _fixed_text(
    session: AsyncSession, campaign: Campaign, message: CampaignProspectMessage, lead: Any
) -> tuple[str | None, str | None]:
    """The AI step's skeleton rendered for the lead without its AI blocks: what is in the
    draft beyond it is what the AI wrote."""
    if message.source == "template":
        return None, None
    chat = await chat_service.for_node(session, campaign.id, message.node_id)
    skeleton = chat.skeleton if chat else None
    if not skeleton:
        return None, None
    sender = await sender_service.campaign_sender(session, campaign)
    info = CampaignInfo(signature=campaign.signature)
    texts = []
    for key in ("subject", "body"):
        template = str(skeleton.get(key) or "")
        blanks = [""] * compile_template(template).ai_block_count
        texts.append(render_template(template, lead, sender, info, ai_texts=blanks).text)
    return texts[0], texts[1]


@router.get("/campaigns/{campaign_id}/drafts/{message_id}")
async def draft_page(
    campaign_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    settings: AppSettings,
    i: Annotated[int | None, Query(ge=0, le=10_000_000)] = None,
) -> Response:
    campaign, message = await queries.get_message(session, user, campaign_id, message_id)
    _, qs = filter_of(request.query_params)
    nodes = await sequence_service.list_nodes(session, campaign.id)
    node = find_node(nodes, message.node_id)
    prospects = await prospect_service.get_many(session, campaign.id, [message.prospect_id])
    prospect = prospects[0] if prospects else None
    lead = prospect_service.to_lead(prospect) if prospect else None
    fixed_subject, fixed_body = await _fixed_text(session, campaign, message, lead)
    context = {
        "campaign": campaign,
        "m": message,
        "node": node,
        "step": nodes.index(node) + 1,
        "prospect": prospect,
        "fixed_subject": fixed_subject,
        "fixed_body": fixed_body,
        "i": i,
        "qs": qs,
        "nav": _nav(qs, i),
        "editable": campaign.status in ("draft", "paused")
        and message.status in ("draft", "pending"),
        "tab": "review",
    }
    return render(request, "draft.html", context)


def _after(campaign_id: uuid.UUID, message_id: uuid.UUID, qs: str, i: str) -> str:
    """Where an action goes next: the queue's draft at the same position (the acted-on draft
    may have left the filter; `at` moves on past it if not), or the draft itself."""
    if i.isdigit():
        return f"{_base(campaign_id)}/review/next?{_nav(qs, int(i))}&after={message_id}"
    return f"{_base(campaign_id)}/drafts/{message_id}"


@router.get("/campaigns/{campaign_id}/review/next")
async def next_in_queue(
    campaign_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    after: uuid.UUID,
    i: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """After acting on `after` at position `i`: the draft now at `i` if `after` left the
    queue, else the one after it."""
    found, qs = filter_of(request.query_params)
    result = await queries.queue_page(session, user, campaign_id, found, offset=i, limit=1)
    still_there = bool(result.rows) and result.rows[0].message.id == after
    target = i + 1 if still_there else i
    return redirect(f"{_base(campaign_id)}/review/at?{_nav(qs, target)}")


@router.post("/campaigns/{campaign_id}/drafts/{message_id}/review")
async def review_draft(
    campaign_id: uuid.UUID,
    message_id: uuid.UUID,
    sessions: Sessions,
    user: DetachedActingUser,
    action: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
    qs: Annotated[str, Form()] = "",
    i: Annotated[str, Form()] = "",
) -> Response:
    data = parse(ReviewRequest, action=action, message_ids=[message_id], note=note or None)
    result = await review_service.act(sessions, user, campaign_id, data)
    done = {"approve": "Approved.", "reject": "Rejected.", "restore": "Original restored."}
    flash = done.get(action, "Done.") if result.changed else "Nothing changed."
    if action == "restore":
        return redirect(
            f"{_base(campaign_id)}/drafts/{message_id}?{_nav(qs, _int(i))}", flash=flash
        )
    return redirect(_after(campaign_id, message_id, _clean_qs(qs), i), flash=flash)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _clean_qs(qs: str) -> str:
    """Only the filter keys of a posted query string (nothing else is carried over)."""
    return urlencode([(k, v) for k, v in parse_qsl(qs) if k in FILTER_KEYS])


@router.post("/campaigns/{campaign_id}/drafts/{message_id}/edit")
async def edit_draft(
    campaign_id: uuid.UUID,
    message_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    body_text: Annotated[str, Form(max_length=20_000)],
    subject: Annotated[str | None, Form(max_length=1000)] = None,
    qs: Annotated[str, Form()] = "",
    i: Annotated[str, Form()] = "",
) -> Response:
    fields: dict[str, Any] = {"message_id": message_id, "body_text": body_text}
    if subject is not None:
        fields["subject"] = subject
    message = await review_service.edit(
        session, user, campaign_id, parse(MessageEdit, **fields), settings=settings
    )
    verdict = "passes the judge" if not message.flagged else "is still flagged"
    target = f"{_base(campaign_id)}/drafts/{message_id}?{_nav(_clean_qs(qs), _int(i))}"
    return redirect(target, flash=f"Saved: the edit {verdict}.")


@router.post("/campaigns/{campaign_id}/drafts/{message_id}/judge")
async def judge_draft(
    campaign_id: uuid.UUID,
    message_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    texts: Annotated[dict[str, str], Body()],
) -> dict[str, Any]:
    """The verdict the edit would be saved with, as typed (nothing is saved)."""
    campaign, message = await queries.get_message(session, user, campaign_id, message_id)
    nodes = await sequence_service.list_nodes(session, campaign.id)
    judge = await queries.judge_at(session, user, settings, nodes, message.node_id)
    subject = str(texts.get("subject", ""))[:1000] if message.subject is not None else None
    return check_draft(subject, str(texts.get("body_text", ""))[:20_000], judge)


# ---- spending actions: a quote first ----------------------------------------------------


@router.post("/campaigns/{campaign_id}/drafts/{message_id}/regenerate")
async def regenerate_draft(
    campaign_id: uuid.UUID,
    message_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    queue: Queue,
    note: Annotated[str, Form(max_length=2000)] = "",
    confirmed: Annotated[bool, Form()] = False,
) -> Response:
    """Without `confirmed`: the quote. With it: the run (then its progress page)."""
    campaign, _ = await queries.get_message(session, user, campaign_id, message_id)
    if not confirmed:
        quote = await quote_service.preview(
            session,
            user,
            QuoteRequest(action="regenerate", campaign_id=campaign.id, message_ids=[message_id]),
            settings=settings,
        )
        what = "Rewrite this draft" + (f" with the note: {note}" if note else "")
        back = f"{_base(campaign_id)}/drafts/{message_id}"
        return quote_page(request, quote, what=what, fields={"note": note}, back=back)
    data = parse(
        RegenerateRequest,
        action="regenerate",
        message_ids=[message_id],
        instruction=note or None,
        include_edited=True,
    )
    started, _ = await generate_ai_service.regenerate(
        session, queue, user, campaign_id, data, settings=settings
    )
    back = f"{_base(campaign_id)}/drafts/{message_id}"
    return redirect(f"/runs/{started.run_id}?back={back}", flash="Rewriting the draft.")


# ---- bulk approve -------------------------------------------------------------------------


@router.get("/campaigns/{campaign_id}/review/approve")
async def confirm_bulk_approve(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: StudioUser
) -> Response:
    found, qs = filter_of(request.query_params)
    result = await queries.queue_page(session, user, campaign_id, found, offset=0, limit=0)
    context = {"campaign": result.campaign, "count": result.total, "qs": qs, "found": found}
    return render(request, "bulk_approve.html", context)


@router.post("/campaigns/{campaign_id}/review/approve")
async def bulk_approve(
    campaign_id: uuid.UUID,
    sessions: Sessions,
    user: DetachedActingUser,
    expected: Annotated[int, Form()],
    qs: Annotated[str, Form()] = "",
) -> Response:
    """Approve every draft the filter selects, if it still selects `expected` of them."""
    found, clean = filter_of(dict(parse_qsl(qs)))
    async with reading(sessions) as session:
        result = await queries.queue_page(session, user, campaign_id, found, offset=0, limit=0)
    if result.total != expected:
        raise InvalidRequest(
            f"The filter now selects {result.total} drafts, not {expected}: confirm again"
        )
    data = ReviewRequest(action="approve", filter=found)
    done = await review_service.act(sessions, user, campaign_id, data)
    flash = f"Approved {done.changed} of {done.matched} draft(s)."
    return redirect(f"{_base(campaign_id)}/review/queue?{clean}", flash=flash)
