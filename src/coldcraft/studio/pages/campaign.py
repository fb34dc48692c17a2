"""A campaign: its sequence (add, move, delete steps; a template step's editor with live
checks), its senders, and its prospects (CSV upload with a mapping preview, the skipped
rows, a searchable paged table)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Query, Request, Response, UploadFile

from coldcraft.api.deps import AppSettings, DBSession, Sessions
from coldcraft.campaigns.schemas import CampaignUpdate
from coldcraft.campaigns.service import campaign_service
from coldcraft.chat.service import chat_service
from coldcraft.errors import InvalidRequest
from coldcraft.messages.service import message_service
from coldcraft.messages.tasks import GenerateAIMessages
from coldcraft.prospects import csv_import
from coldcraft.prospects.service import prospect_service
from coldcraft.runs.service import run_service
from coldcraft.senders.schemas import SenderCreate
from coldcraft.senders.service import sender_service
from coldcraft.sequences.schemas import NodeCreate, NodeDelete, NodeMove, NodeUpdate
from coldcraft.sequences.service import CHANNEL_TYPES, find_node, sequence_service
from coldcraft.studio import queries
from coldcraft.studio.checks import check_template
from coldcraft.studio.deps import (
    ActingUser,
    DetachedActingUser,
    StudioRoute,
    StudioUser,
    parse,
    redirect,
    render,
)

router = APIRouter(route_class=StudioRoute, include_in_schema=False)
PROSPECTS_PAGE = 25
PREVIEW_ROWS = 5
DRAFTS_KIND = GenerateAIMessages.name
TEMPLATE_TYPES = ("email", "message", "connection_request")


def _url(campaign_id: uuid.UUID, rest: str = "") -> str:
    return f"/campaigns/{campaign_id}{rest}"


@router.get("/campaigns/{campaign_id}")
async def campaign_page(
    campaign_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    campaign, nodes, by_status = await campaign_service.detail(session, user, campaign_id)
    prospects, total = await prospect_service.list_leads(
        session, user, campaign.id, page=page, limit=PROSPECTS_PAGE, search=q.strip() or None
    )
    senders = await sender_service.list_senders(session, user, sender_type=campaign.type)
    chats = {
        c.node_id: c for c in await chat_service.list_chats(session, user, campaign_id=campaign.id)
    }
    writing = {}  # an AI step's drafts being written: a link to the run's progress
    for node in nodes:
        if node.type == "ai":
            run_id = await run_service.active_run_id(session, DRAFTS_KIND, campaign.id, node.id)
            if run_id:
                writing[node.id] = run_id
    context = {
        "campaign": campaign,
        "nodes": nodes,
        "writing": writing,
        "by_status": by_status,
        "prospects": prospects,
        "total": total,
        "page": page,
        "limit": PROSPECTS_PAGE,
        "q": q,
        "senders": senders,
        "chosen": {str(s) for s in campaign.sender_account_ids or []},
        "chats": chats,
        "warnings": await sequence_service.warnings(session, campaign.id, nodes),
        "step_types": sorted(CHANNEL_TYPES[campaign.type] - {"end"}),
        "template_types": TEMPLATE_TYPES,
    }
    return render(request, "campaign.html", context)


# ---- sequence ------------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/steps")
async def add_step(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    type: Annotated[str, Form()],
    position: Annotated[int | None, Form()] = None,
    delay_days: Annotated[int | None, Form()] = None,
) -> Response:
    data: dict[str, Any] = {"type": type, "position": position}
    if type == "delay":
        data["delay_days"] = delay_days if delay_days is not None else 2
    await sequence_service.add_node(session, user, campaign_id, parse(NodeCreate, **data))
    return redirect(_url(campaign_id) + "#sequence", flash=f"Added a {type} step.")


@router.post("/campaigns/{campaign_id}/steps/{node_id}/move")
async def move_step(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    to_position: Annotated[int, Form()],
) -> Response:
    move = parse(NodeMove, nodeId=node_id, toPosition=to_position)
    await sequence_service.move_node(session, user, campaign_id, move)
    return redirect(_url(campaign_id) + "#sequence")


@router.post("/campaigns/{campaign_id}/steps/{node_id}/delete")
async def delete_step(
    campaign_id: uuid.UUID, node_id: uuid.UUID, session: DBSession, user: ActingUser
) -> Response:
    await sequence_service.delete_node(
        session, user, campaign_id, parse(NodeDelete, nodeId=node_id)
    )
    return redirect(_url(campaign_id) + "#sequence", flash="Step deleted.")


@router.get("/campaigns/{campaign_id}/steps/{node_id}")
async def step_page(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: StudioUser,
) -> Response:
    campaign, nodes, _ = await campaign_service.detail(session, user, campaign_id)
    node = find_node(nodes, node_id)
    context = {"campaign": campaign, "node": node, "position": nodes.index(node)}
    return render(request, "step.html", context)


@router.post("/campaigns/{campaign_id}/steps/{node_id}")
async def save_step(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    body: Annotated[str, Form()] = "",
    subject: Annotated[str | None, Form()] = None,
    delay_days: Annotated[int | None, Form()] = None,
    purpose: Annotated[str | None, Form()] = None,
) -> Response:
    data: dict[str, Any] = {"body": body}
    if subject is not None:
        data["subject"] = subject
    if delay_days is not None:
        data["delay_days"] = delay_days
    if purpose is not None:
        data["ai_node"] = {"purpose": purpose}
    await sequence_service.update_node(
        session, user, campaign_id, node_id, parse(NodeUpdate, **data)
    )
    return redirect(_url(campaign_id) + "#sequence", flash="Step saved.")


@router.post("/campaigns/{campaign_id}/steps/{node_id}/check")
async def check_step(
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    settings: AppSettings,
    texts: Annotated[dict[str, str], Body()],
) -> dict[str, Any]:
    """The live check of a template step as typed (nothing is saved)."""
    campaign, nodes, _ = await campaign_service.detail(session, user, campaign_id)
    node = find_node(nodes, node_id)
    wanted = {k: str(v)[:20_000] for k, v in texts.items() if k in ("subject", "body")}
    if node.type != "email":
        wanted.pop("subject", None)
    judge = await queries.judge_at(session, user, settings, nodes, node.id)
    keys = await prospect_service.custom_field_keys(session, campaign.id)
    return check_template(wanted, custom_keys=keys, judge=judge)


# ---- senders -------------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/senders")
async def choose_senders(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    sender_ids: Annotated[list[uuid.UUID] | None, Form()] = None,
    signature: Annotated[str | None, Form()] = None,
) -> Response:
    data: dict[str, Any] = {"sender_account_ids": sender_ids or []}
    if signature is not None:
        data["signature"] = signature or None
    await campaign_service.update(session, user, campaign_id, parse(CampaignUpdate, **data))
    return redirect(_url(campaign_id) + "#senders", flash="Senders saved.")


@router.post("/campaigns/{campaign_id}/research")
async def set_research(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    research: Annotated[str | None, Form()] = None,
) -> Response:
    """An unchecked box sends nothing: research off."""
    data = CampaignUpdate(research=research == "true")
    await campaign_service.update(session, user, campaign_id, data)
    state = "on" if data.research else "off"
    return redirect(_url(campaign_id) + "#research", flash=f"Research {state}.")


@router.post("/campaigns/{campaign_id}/senders/new")
async def new_sender(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: ActingUser,
    first_name: Annotated[str, Form()],
    last_name: Annotated[str, Form()] = "",
    email_address: Annotated[str, Form()] = "",
) -> Response:
    campaign, _, _ = await campaign_service.detail(session, user, campaign_id)
    data = parse(
        SenderCreate,
        type=campaign.type,
        first_name=first_name,
        last_name=last_name or None,
        email_address=email_address or None,
    )
    sender = await sender_service.create(session, user, data)
    ids = [*(uuid.UUID(i) for i in campaign.sender_account_ids or []), sender.id]
    if campaign.status == "draft":
        await campaign_service.update(
            session, user, campaign.id, parse(CampaignUpdate, sender_account_ids=ids)
        )
    return redirect(_url(campaign_id) + "#senders", flash=f"Added sender {sender.first_name}.")


# ---- prospects -----------------------------------------------------------------------


def _targets(keys: list[str]) -> list[str]:
    return [*csv_import.FIELDS, *(csv_import.CUSTOM_PREFIX + k for k in keys)]


@router.post("/campaigns/{campaign_id}/prospects/preview")
async def preview_csv(
    campaign_id: uuid.UUID,
    request: Request,
    session: DBSession,
    user: ActingUser,
    file: Annotated[UploadFile, File()],
) -> Response:
    """The column mapping the import would use, and the first rows, before anything is saved."""
    campaign, _, _ = await campaign_service.detail(session, user, campaign_id)
    data = await file.read()
    try:
        table = csv_import.parse_csv(data)
        columns = csv_import.resolve_columns(table.headers)
    except csv_import.CsvError as exc:
        raise InvalidRequest(str(exc)) from None
    mapping = [
        (header, c.field or (csv_import.CUSTOM_PREFIX + c.custom_key if c.custom_key else ""))
        for header, c in zip(table.headers, columns, strict=True)
    ]
    keys = [c.custom_key for c in columns if c.custom_key]
    context = {
        "campaign": campaign,
        "filename": file.filename or "upload.csv",
        "mapping": mapping,
        "targets": _targets(keys),
        "rows": table.rows[:PREVIEW_ROWS],
        "row_count": len(table.rows),
        "data": base64.b64encode(data).decode(),
    }
    return render(request, "csv_preview.html", context)


@router.post("/campaigns/{campaign_id}/prospects/import")
async def import_csv(
    campaign_id: uuid.UUID, request: Request, session: DBSession, user: ActingUser
) -> Response:
    form = await request.form()
    try:
        data = base64.b64decode(str(form.get("data") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest("The uploaded file was lost; upload it again") from None
    headers = form.getlist("header")
    targets = form.getlist("target")
    mapping = {str(h): (str(t) or None) for h, t in zip(headers, targets, strict=False)}
    result = await prospect_service.import_csv(
        session, user, campaign_id, data=data, mapping=json.dumps(mapping)
    )
    campaign, _, _ = await campaign_service.detail(session, user, campaign_id)
    return render(request, "csv_result.html", {"campaign": campaign, "result": result})


# ---- drafts --------------------------------------------------------------------------


@router.post("/campaigns/{campaign_id}/resolve")
async def resolve(campaign_id: uuid.UUID, sessions: Sessions, user: DetachedActingUser) -> Response:
    """Render the template steps and copy the examples into drafts (no model call; the
    service commits in chunks, so this page holds no transaction)."""
    result = await message_service.resolve(sessions, user, campaign_id)
    outcome = result.outcome
    missing = sum(n.missing for n in outcome.nodes if n.node.type == "ai")
    note = f"Drafts resolved: {result.total} drafts for {outcome.prospects} prospect(s)"
    note += f"; {missing} AI draft(s) still to write." if missing else "."
    return redirect(_url(campaign_id, "/review"), flash=note)
