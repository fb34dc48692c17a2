from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Response
from fastapi.responses import StreamingResponse

from coldcraft.api.deps import AppSettings, CurrentUser, DBSession, DetachedUser, Queue, Sessions
from coldcraft.api.responses import errors
from coldcraft.messages.generate import generate_ai_service
from coldcraft.messages.review_service import review_service
from coldcraft.messages.schemas import (
    PAGE_MAX,
    PAGE_NUMBER_MAX,
    GenerateAIRequest,
    GenerateAIStarted,
    MessageEdit,
    MessageFilter,
    MessageOut,
    MessageResponse,
    MessagesPage,
    RegenerateRequest,
    ResolveRequest,
    ResolveResponse,
    ReviewRequest,
    ReviewResult,
    ReviewState,
    ReviewSummary,
    Source,
    StatusFilter,
)
from coldcraft.messages.service import message_service
from coldcraft.store.session import unit_of_work

router = APIRouter(prefix="/api", tags=["messages"])

GenerateBody = Annotated[
    ResolveRequest | GenerateAIRequest | ReviewRequest | RegenerateRequest,
    Body(discriminator="action"),
]
PATH = "/campaigns/{campaign_id}/generate-messages"


@router.post(
    PATH,
    response_model=ResolveResponse | GenerateAIStarted | ReviewResult,
    responses={
        202: {"model": GenerateAIStarted, "description": "generate_ai: the run started"},
        **errors(400, 401, 402, 404, 409, 413),
    },
)
async def generate_messages(
    campaign_id: uuid.UUID,
    body: GenerateBody,
    response: Response,
    sessions: Sessions,
    user: DetachedUser,
    queue: Queue,
    settings: AppSettings,
) -> ResolveResponse | GenerateAIStarted | ReviewResult:
    """`resolve`: render every template node and copy the AI node's examples into drafts
    (synchronous, idempotent). `generate_ai`: start a run writing one AI draft per prospect
    (202). `approve` / `reject` (with an optional `note`) / `restore`: the review of the
    messages chosen by `message_ids` or a `filter` (draft or paused campaign), answered with
    how many matched and changed. `regenerate`: rewrite the chosen AI drafts of one node with
    an optional `instruction` for the writer (202, a run like generate_ai).

    Resolve and the review actions commit in bounded chunks (each safe to re-run), so this
    endpoint holds no request transaction of its own."""
    if isinstance(body, ResolveRequest):
        return ResolveResponse.build(await message_service.resolve(sessions, user, campaign_id))
    if isinstance(body, ReviewRequest):
        return await review_service.act(sessions, user, campaign_id, body)
    async with unit_of_work(sessions) as session:
        if isinstance(body, RegenerateRequest):
            started, prospects = await generate_ai_service.regenerate(
                session, queue, user, campaign_id, body, settings=settings
            )
        else:
            started, prospects = await generate_ai_service.start(
                session, queue, user, campaign_id, body, settings=settings
            )
    response.status_code = 202
    return GenerateAIStarted(
        run_id=started.run_id,
        public_access_token=started.public_access_token,
        prospects=prospects,
    )


def review_filters(
    node_id: uuid.UUID | None = None,
    prospect_id: uuid.UUID | None = None,
    review: ReviewState | None = None,
    source: Source | None = None,
    edited: bool | None = None,
    flagged: bool | None = None,
    rule: Annotated[str | None, Query(max_length=100, description="A rule the judge named")] = None,
    missing_field: Annotated[str | None, Query(max_length=200)] = None,
) -> MessageFilter:
    """The filters the list and the summary take (a bulk action's `filter` has the same
    keys); each endpoint adds `status` with its own default."""
    return MessageFilter(
        node_id=node_id,
        prospect_id=prospect_id,
        review=review,
        source=source,
        edited=edited,
        flagged=flagged,
        rule=rule,
        missing_field=missing_field,
    )


Filters = Annotated[MessageFilter, Depends(review_filters)]


@router.get(PATH, response_model=MessagesPage, responses=errors(400, 401, 404))
async def list_messages(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: CurrentUser,
    filters: Filters,
    status: StatusFilter = "draft",
    page: Annotated[int, Query(ge=1, le=PAGE_NUMBER_MAX)] = 1,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = PAGE_MAX,
) -> MessagesPage:
    """The campaign's messages in prospect order, then sequence position (paged), filtered
    by send status (default `draft`), node, prospect, review state, source, edited, flagged,
    a rule the judge named, or a missing field."""
    found = filters.model_copy(update={"status": status})
    items, total = await message_service.list_messages(
        session, user, campaign_id, found, page=page, limit=limit
    )
    return MessagesPage(
        messages=[MessageOut.build(m) for m in items], total=total, page=page, limit=limit
    )


@router.get(PATH + "/summary", response_model=ReviewSummary, responses=errors(400, 401, 404))
async def review_summary(
    campaign_id: uuid.UUID,
    session: DBSession,
    user: CurrentUser,
    filters: Filters,
    status: StatusFilter = "all",
) -> ReviewSummary:
    """The review at a glance: counts by send status, review state, source, the rules the
    judge named and the missing fields, plus flagged, edited and what the review policy
    still awaits. Takes the list's filters (default: every status)."""
    found = filters.model_copy(update={"status": status})
    return await review_service.summary(session, user, campaign_id, found)


@router.patch(PATH, response_model=MessageResponse, responses=errors(400, 401, 404, 413))
async def edit_message(
    campaign_id: uuid.UUID,
    body: MessageEdit,
    session: DBSession,
    user: CurrentUser,
    settings: AppSettings,
) -> MessageResponse:
    """Edit an unsent message by hand (draft or paused campaign): the new text is judged
    (`quality`, `missing_fields`), the machine-written original is kept (`original_subject`,
    `original_body`; `restore` brings it back), and resolve never replaces it."""
    message = await review_service.edit(session, user, campaign_id, body, settings=settings)
    return MessageResponse(message=MessageOut.build(message))


@router.get(
    PATH + "/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **errors(400, 401, 404)},
)
async def export_messages(
    campaign_id: uuid.UUID,
    session: DBSession,
    sessions: Sessions,
    user: CurrentUser,
    status: StatusFilter = "all",
    format: Literal["long", "wide"] = "long",
) -> StreamingResponse:
    """RFC 4180 CSV (UTF-8 with a byte order mark, formula cells neutralised), streamed:
    `long` (default) one row per message with the prospect's identity columns; `wide` one
    row per prospect with `step<N>_subject`, `_body`, `_delay_days` and `_review_state`."""
    campaign, stream = await message_service.export_csv(
        session, sessions, user, campaign_id, status=status, wide=format == "wide"
    )
    filename = f"coldcraft-messages-{campaign.id}.csv"
    return StreamingResponse(
        stream,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
