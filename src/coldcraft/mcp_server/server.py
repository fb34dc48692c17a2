"""The tools: each one calls the HTTP API and shapes its answer (results.py).

`build_server(api_for)` registers every tool, resource and prompt on one `MCPServer`;
`api_for` hands a tool the `Api` for the caller of the moment (client.py).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, ResourceLink, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from coldcraft.campaigns.schemas import (
    CampaignCreate,
    CampaignCreated,
    CampaignDetail,
    CampaignResponse,
    CampaignsResponse,
    CampaignUpdate,
)
from coldcraft.chat.schemas import GenerateContentRequest, GenerateContentResponse, SessionResponse
from coldcraft.examples.schemas import LeadIn
from coldcraft.lint.schemas import (
    JudgeEmailRequest,
    JudgeEmailResponse,
    LaunchCheck,
    LintRequest,
    LintResponse,
)
from coldcraft.mcp_server import prompts, resources
from coldcraft.mcp_server.client import Api, ApiFactory
from coldcraft.mcp_server.results import (
    PAGE,
    CampaignBrief,
    CampaignList,
    CampaignView,
    ChatReply,
    Draft,
    DraftPage,
    ExportLink,
    LaunchAnswer,
    ProspectsAdded,
    ResolveSummary,
    ReviewDone,
    ReviewView,
    RunStarted,
    RunView,
    Step,
    next_cursor,
    page_of,
)
from coldcraft.messages.schemas import (
    GenerateAIRequest,
    GenerateAIStarted,
    MessageEdit,
    MessageFilter,
    MessageResponse,
    MessagesPage,
    RegenerateRequest,
    ResolveResponse,
    ReviewRequest,
    ReviewResult,
    ReviewSummary,
    StatusFilter,
)
from coldcraft.prospects.schemas import AddLeadsRequest, ImportResult, ProspectIn, ProspectPage
from coldcraft.quotes.schemas import Quote, QuoteRequest
from coldcraft.runs.schemas import RunResponse, StartRunResponse
from coldcraft.sequences.schemas import NodeCreate, NodeResponse, NodesResponse, NodeUpdate

INSTRUCTIONS = (
    "coldcraft writes cold emails: a campaign has a sequence of steps; an AI step gets a "
    "framework (skeleton) from chat_framework, then one draft per prospect from "
    "generate_drafts. Review with review_summary / list_drafts, fix with edit_draft, "
    "approve_drafts or reject_drafts, then launch_campaign (which needs confirm: true to act). "
    "Tools that spend say what they are quoted to spend. The prompt 'campaign_from_brief' "
    "walks the whole pipeline."
)
WAIT_MAX_SECONDS = 120
POLL_SECONDS = 1.0

M = TypeVar("M", bound=BaseModel)
CampaignId = Annotated[uuid.UUID, Field(description="The campaign's id")]
Ctx = Context[Any, Any]

READ = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def _write(*, destructive: bool, idempotent: bool, spends: bool = False) -> ToolAnnotations:
    return ToolAnnotations(
        read_only_hint=False,
        destructive_hint=destructive,
        idempotent_hint=idempotent,
        open_world_hint=spends,  # spending tools call a model provider
    )


def body(model: type[M], **fields: Any) -> dict[str, Any]:
    """An API request body, validated by the API's own model first (a bad argument is a
    tool error the agent can read, not a crash)."""
    try:
        parsed = model.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ToolError(f"invalid_request: {problems}") from exc
    return dump(parsed)


def dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def campaign_path(campaign_id: uuid.UUID, tail: str = "") -> str:
    return f"/api/campaigns/{campaign_id}{tail}"


def messages_path(campaign_id: uuid.UUID, tail: str = "") -> str:
    return campaign_path(campaign_id, "/generate-messages" + tail)


def build_server(api_for: ApiFactory) -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer(
        "coldcraft", instructions=INSTRUCTIONS, version="0.1.0", log_level="WARNING"
    )

    # -- campaigns ------------------------------------------------------------------------
    @server.tool(annotations=READ)
    async def list_campaigns(ctx: Ctx, cursor: str | None = None) -> CampaignList:
        """List your campaigns, newest first: the total, then 20 at a time."""
        async with api_for(ctx) as api:
            found = CampaignsResponse.model_validate(await api.get("/api/campaigns"))
        page = page_of(cursor)
        items = found.campaigns[(page - 1) * PAGE : page * PAGE]
        return CampaignList(
            total=len(found.campaigns),
            campaigns=[CampaignBrief.of_item(item) for item in items],
            next_cursor=next_cursor(page, len(found.campaigns)),
        )

    @server.tool(annotations=READ)
    async def get_campaign(ctx: Ctx, campaign_id: CampaignId) -> CampaignView:
        """A campaign: its status, its steps (ids, types, a preview of each text) and its
        prospects counted by status."""
        async with api_for(ctx) as api:
            detail = CampaignDetail.model_validate(await api.get(campaign_path(campaign_id)))
        return _view(detail.campaign, detail.sequence_nodes, detail.prospects_by_status)

    @server.tool(annotations=_write(destructive=False, idempotent=False))
    async def create_campaign(
        ctx: Ctx,
        campaign: CampaignCreate,
        first_step: Annotated[
            NodeUpdate | None,
            Field(
                description="Content of the email step every new campaign starts with: a "
                "template (subject, body with %merge_fields%). Add an `ai` step at position 0 "
                "to write a per-prospect first touch and make this the follow-up."
            ),
        ] = None,
    ) -> CampaignView:
        """Create a draft campaign (email or linkedin). It starts with one template step
        (filled from `first_step`); add an AI step with add_sequence_step, then prospects
        with add_prospects."""
        async with api_for(ctx) as api:
            created = CampaignCreated.model_validate(
                await api.post("/api/campaigns", dump(campaign))
            )
            nodes = created.campaign.sequence_nodes
            if first_step is not None:
                path = campaign_path(created.campaign.id, f"/sequence/nodes/{nodes[0].id}")
                nodes[0] = NodeResponse.model_validate(await api.put(path, dump(first_step))).node
        view = _view(created.campaign, nodes, {})
        view.next_step = "add_sequence_step with type 'ai' at position 0, then add_prospects"
        return view

    @server.tool(annotations=_write(destructive=False, idempotent=True))
    async def update_campaign(
        ctx: Ctx, campaign_id: CampaignId, changes: CampaignUpdate
    ) -> CampaignView:
        """Change a campaign's settings; only the fields given change: `name`,
        `review_policy`, `research` (true: research each prospect's company website before
        writing, cited as evidence and priced in the quote), `daily_limit`, and, while
        draft, `signature` and `sender_account_ids`."""
        async with api_for(ctx) as api:
            await api.patch(campaign_path(campaign_id), dump(changes))
            detail = CampaignDetail.model_validate(await api.get(campaign_path(campaign_id)))
        return _view(detail.campaign, detail.sequence_nodes, detail.prospects_by_status)

    @server.tool(annotations=_write(destructive=False, idempotent=False))
    async def add_sequence_step(
        ctx: Ctx, campaign_id: CampaignId, step: NodeCreate
    ) -> CampaignView:
        """Add a step to a draft campaign's sequence: `ai` (a per-prospect email the writer
        drafts from a framework), `email` / `message` / `connection_request` (a template with
        %merge_fields%), or `delay`. Answers the whole sequence, with template warnings."""
        async with api_for(ctx) as api:
            nodes = NodesResponse.model_validate(
                await api.post(campaign_path(campaign_id, "/sequence/nodes"), dump(step))
            )
            detail = CampaignDetail.model_validate(await api.get(campaign_path(campaign_id)))
        view = _view(detail.campaign, nodes.sequence_nodes, detail.prospects_by_status)
        view.warnings = nodes.warnings
        return view

    @server.tool(annotations=_write(destructive=False, idempotent=True))
    async def add_prospects(
        ctx: Ctx, campaign_id: CampaignId, prospects: list[ProspectIn]
    ) -> ProspectsAdded:
        """Add up to 1000 prospects to a campaign (duplicates are counted, not added twice)."""
        request = body(AddLeadsRequest, prospects=prospects)
        async with api_for(ctx) as api:
            result = ImportResult.model_validate(
                await api.post(campaign_path(campaign_id, "/leads"), request)
            )
        return ProspectsAdded(
            imported=result.imported,
            duplicates=result.duplicates,
            next_step="chat_framework on the AI step to get a framework",
        )

    # -- the framework ------------------------------------------------------------------------
    @server.tool(annotations=_write(destructive=False, idempotent=False, spends=True))
    async def chat_framework(
        ctx: Ctx, campaign_id: CampaignId, turn: GenerateContentRequest
    ) -> ChatReply:
        """One turn of the framework chat for an AI step (`turn.node_id`): describe the
        offer, the audience, the tone; the agent answers and proposes a skeleton (the
        framework every draft follows). Spends one model call (quoted in `spend`)."""
        async with api_for(ctx) as api:
            quote = await _quote(
                api, action="chat_turn", campaign_id=campaign_id, node_id=turn.node_id
            )
            reply = GenerateContentResponse.model_validate(
                await api.post(campaign_path(campaign_id, "/generate-content"), dump(turn))
            )
        hint = (
            "lint_skeleton to check it, generate_examples to see sample emails, or "
            "resolve_drafts then generate_drafts to write every prospect's draft"
            if reply.skeleton
            else "answer the agent with another chat_framework turn"
        )
        return ChatReply(
            session_id=reply.session_id,
            assistant_message=reply.assistant_message,
            skeleton_updated=reply.skeleton_updated,
            skeleton=reply.skeleton,
            spend=quote,
            next_step=hint,
        )

    @server.tool(annotations=READ)
    async def lint_skeleton(ctx: Ctx, lint: LintRequest) -> LintResponse:
        """Judge a skeleton (subject, body with &&AI blocks&& and %merge_fields%) with this
        workspace's rules and preview it for a sample lead. No model call."""
        async with api_for(ctx) as api:
            return LintResponse.model_validate(await api.post("/api/skeletons/lint", dump(lint)))

    @server.tool(annotations=READ)
    async def judge_email(ctx: Ctx, email: JudgeEmailRequest) -> JudgeEmailResponse:
        """Judge any written email (subject and body) against the rules and this workspace's
        house rules: passed, and each issue with its rule id. No model call."""
        async with api_for(ctx) as api:
            return JudgeEmailResponse.model_validate(
                await api.post("/api/emails/judge", dump(email))
            )

    @server.tool(annotations=_write(destructive=False, idempotent=False, spends=True))
    async def generate_examples(
        ctx: Ctx,
        session_id: Annotated[uuid.UUID, Field(description="The chat session (chat_framework)")],
        count: Annotated[int, Field(ge=1, le=50, description="Prospects to write for")] = 3,
        leads: Annotated[
            list[LeadIn] | None, Field(description="Leads to use instead of prospects")
        ] = None,
    ) -> RunStarted:
        """Write sample emails with the session's skeleton, for the campaign's first `count`
        prospects (or the `leads` given). Starts a run; spends model calls (quoted)."""
        async with api_for(ctx) as api:
            chat = SessionResponse.model_validate(
                await api.get(f"/api/campaigns/ai-chat-sessions/{session_id}")
            ).session
            if leads is None:
                page = ProspectPage.model_validate(
                    await api.get(campaign_path(chat.campaign_id, "/leads"), {"limit": count})
                )
                leads = [_lead(p.model_dump(mode="json")) for p in page.prospects]
            if not leads:
                raise ToolError("invalid_request: the campaign has no prospects (add_prospects)")
            quote = await _quote(
                api, action="generate_examples", campaign_id=chat.campaign_id, count=len(leads)
            )
            started = StartRunResponse.model_validate(
                await api.post(
                    f"/api/campaigns/ai-chat-sessions/{session_id}/generate-examples",
                    {"leads": [dump(lead) for lead in leads]},
                )
            )
        return RunStarted(
            run_id=started.run_id,
            items=len(leads),
            spend=quote,
            next_step=f"wait_for_run with run_id {started.run_id}, then resolve_drafts",
        )

    # -- runs -----------------------------------------------------------------------------------
    @server.tool(annotations=READ)
    async def get_run(ctx: Ctx, run_id: str) -> RunView:
        """A run's status, progress (total, done, failed), usage and error."""
        async with api_for(ctx) as api:
            run = RunResponse.model_validate(await api.get(f"/api/runs/{run_id}")).run
        return _run_view(run)

    @server.tool(annotations=READ)
    async def wait_for_run(
        ctx: Ctx,
        run_id: str,
        seconds: Annotated[
            int, Field(ge=1, le=WAIT_MAX_SECONDS, description="Wait at most this long")
        ] = 30,
    ) -> RunView:
        """Wait until the run finishes or `seconds` pass (at most 120), then answer its
        progress. Call again if `finished` is false."""
        deadline = time.monotonic() + seconds
        async with api_for(ctx) as api:
            while True:
                run = RunResponse.model_validate(await api.get(f"/api/runs/{run_id}")).run
                left = deadline - time.monotonic()
                if run.terminal or left <= 0:
                    return _run_view(run)
                await asyncio.sleep(min(POLL_SECONDS, left))

    # -- drafts ---------------------------------------------------------------------------------
    @server.tool(annotations=_write(destructive=False, idempotent=True))
    async def resolve_drafts(ctx: Ctx, campaign_id: CampaignId) -> ResolveSummary:
        """Render every template step for every prospect and copy the examples onto their
        prospects as drafts (no model call; safe to repeat). Answers counts per step and how
        many prospects still miss a draft."""
        async with api_for(ctx) as api:
            resolved = ResolveResponse.model_validate(
                await api.post(messages_path(campaign_id), {"action": "resolve"})
            )
        missing = sum(step.missing for step in resolved.counts.nodes if step.type == "ai")
        return ResolveSummary(
            drafts=resolved.total,
            prospects=resolved.counts.prospects,
            written=resolved.counts.written,
            steps=resolved.counts.nodes,
            unmatched_examples=len(resolved.unmatched_examples),
            skipped_examples=len(resolved.skipped_examples),
            next_step=(
                f"generate_drafts for the AI step ({missing} prospects still need a draft)"
                if missing
                else "review_summary, then launch_campaign"
            ),
        )

    @server.tool(annotations=_write(destructive=True, idempotent=False, spends=True))
    async def generate_drafts(
        ctx: Ctx,
        campaign_id: CampaignId,
        node_id: Annotated[uuid.UUID, Field(description="The AI step")],
        prospect_ids: list[uuid.UUID] | None = None,
    ) -> RunStarted:
        """Write one AI draft per prospect (or per `prospect_ids`) for an AI step with the
        framework from chat_framework. Starts a run; spends model calls (quoted first)."""
        request = body(
            GenerateAIRequest, action="generate_ai", node_id=node_id, prospect_ids=prospect_ids
        )
        async with api_for(ctx) as api:
            quoted = {"action": "generate_ai", "node_id": node_id}
            return await _write_drafts(api, campaign_id, request, quoted, then="review_summary")

    @server.tool(annotations=READ)
    async def review_summary(
        ctx: Ctx, campaign_id: CampaignId, filter: MessageFilter | None = None
    ) -> ReviewView:
        """The review at a glance: drafts counted by status, review state, source, the rules
        the judge named and missing fields, and how many still await review."""
        params = dump(filter) if filter else {}
        async with api_for(ctx) as api:
            summary = ReviewSummary.model_validate(
                await api.get(messages_path(campaign_id, "/summary"), params)
            )
        if summary.awaiting_review:
            hint = (
                f"{summary.awaiting_review} draft(s) await review: list_drafts with filter "
                '{"flagged": true}, then edit_draft, approve_drafts or reject_drafts'
            )
        else:
            hint = "launch_campaign (without confirm) to see what the launch gate says"
        return ReviewView(**summary.model_dump(), next_step=hint)

    @server.tool(annotations=READ)
    async def list_drafts(
        ctx: Ctx,
        campaign_id: CampaignId,
        filter: MessageFilter | None = None,
        cursor: str | None = None,
    ) -> DraftPage:
        """Drafts 20 at a time (subject, a body preview, verdict, review state), filtered
        like review_summary (e.g. flagged: true, rule: 'spam_words'). Pass `next_cursor`
        back as `cursor` for more."""
        page = page_of(cursor)
        params = {**(dump(filter) if filter else {}), "page": page, "limit": PAGE}
        async with api_for(ctx) as api:
            found = MessagesPage.model_validate(await api.get(messages_path(campaign_id), params))
        return DraftPage(
            total=found.total,
            drafts=[Draft.of(m) for m in found.messages],
            next_cursor=next_cursor(page, found.total),
        )

    @server.tool(annotations=_write(destructive=True, idempotent=True))
    async def edit_draft(ctx: Ctx, campaign_id: CampaignId, edit: MessageEdit) -> Draft:
        """Replace a draft's subject and/or body. The edit is judged again; the machine's
        original is kept."""
        async with api_for(ctx) as api:
            edited = MessageResponse.model_validate(
                await api.patch(messages_path(campaign_id), dump(edit))
            )
        return Draft.of(edited.message)

    @server.tool(annotations=_write(destructive=False, idempotent=True))
    async def approve_drafts(
        ctx: Ctx,
        campaign_id: CampaignId,
        message_ids: list[uuid.UUID] | None = None,
        filter: MessageFilter | None = None,
        note: str | None = None,
    ) -> ReviewDone:
        """Approve drafts chosen by `message_ids` or a `filter` (exactly one)."""
        return await _review(api_for, ctx, campaign_id, "approve", message_ids, filter, note)

    @server.tool(annotations=_write(destructive=False, idempotent=True))
    async def reject_drafts(
        ctx: Ctx,
        campaign_id: CampaignId,
        message_ids: list[uuid.UUID] | None = None,
        filter: MessageFilter | None = None,
        note: str | None = None,
    ) -> ReviewDone:
        """Reject drafts (they will not be sent) chosen by `message_ids` or a `filter`."""
        return await _review(api_for, ctx, campaign_id, "reject", message_ids, filter, note)

    @server.tool(annotations=_write(destructive=True, idempotent=False, spends=True))
    async def regenerate_drafts(
        ctx: Ctx,
        campaign_id: CampaignId,
        message_ids: list[uuid.UUID] | None = None,
        filter: MessageFilter | None = None,
        instruction: Annotated[str | None, Field(description="A note for the writer")] = None,
        include_edited: bool = False,
    ) -> RunStarted:
        """Rewrite chosen AI drafts (one AI step at a time), optionally with an instruction.
        Hand-edited drafts are kept unless `include_edited`. Starts a run; spends (quoted)."""
        selection = {"message_ids": message_ids, "filter": filter}
        request = body(
            RegenerateRequest,
            action="regenerate",
            **selection,
            instruction=instruction,
            include_edited=include_edited,
        )
        quoted = {"action": "regenerate", **selection, "include_edited": include_edited}
        async with api_for(ctx) as api:
            return await _write_drafts(api, campaign_id, request, quoted, then="list_drafts")

    @server.tool(annotations=READ)
    async def quote(ctx: Ctx, request: QuoteRequest) -> Quote:
        """What an action would cost before it starts: requests, cost in USD and duration
        (ranges), and whether the spend cap allows it. Spends nothing."""
        async with api_for(ctx) as api:
            return Quote.model_validate(await api.post("/api/credits/preview", dump(request)))

    # -- launch ---------------------------------------------------------------------------------
    @server.tool(annotations=_write(destructive=True, idempotent=False))
    async def launch_campaign(
        ctx: Ctx,
        campaign_id: CampaignId,
        confirm: Annotated[
            bool, Field(description="true to launch; without it nothing changes")
        ] = False,
    ) -> LaunchAnswer:
        """Launch a draft campaign: its drafts become pending and sending starts. Without
        `confirm: true` nothing happens: the answer is what the launch gate says now (every
        problem) and what launching would do. Needs a key with the `launch` scope."""
        async with api_for(ctx) as api:
            check = LaunchCheck.model_validate(
                await api.post(campaign_path(campaign_id, "/launch-check"))
            )
            detail = CampaignDetail.model_validate(await api.get(campaign_path(campaign_id)))
            summary = ReviewSummary.model_validate(
                await api.get(messages_path(campaign_id, "/summary"), {"status": "draft"})
            )
            drafts = summary.total - summary.by_review.get("rejected", 0)
            prospects = sum(detail.prospects_by_status.values())
            if not confirm or not check.can_launch:
                return LaunchAnswer(
                    launched=False,
                    campaign_id=campaign_id,
                    status=check.status,
                    can_launch=check.can_launch,
                    problems=[p.model_dump(exclude_none=True) for p in check.problems],
                    would=_launch_effect(drafts, prospects, done=False),
                    next_step=_launch_hint(check),
                )
            launched = CampaignResponse.model_validate(
                await api.post(campaign_path(campaign_id, "/launch"))
            )
        return LaunchAnswer(
            launched=True,
            campaign_id=campaign_id,
            status=launched.campaign.status,
            can_launch=False,
            problems=[],
            would=_launch_effect(drafts, prospects, done=True),
            next_step="pause_campaign to stop sending",
        )

    @server.tool(annotations=_write(destructive=True, idempotent=True))
    async def pause_campaign(ctx: Ctx, campaign_id: CampaignId) -> CampaignBrief:
        """Pause an active campaign (sending stops). Needs a key with the `launch` scope."""
        async with api_for(ctx) as api:
            paused = CampaignResponse.model_validate(
                await api.post(campaign_path(campaign_id, "/pause"))
            )
        return CampaignBrief.of(paused.campaign)

    @server.tool(annotations=_write(destructive=True, idempotent=True))
    async def resume_campaign(ctx: Ctx, campaign_id: CampaignId) -> CampaignBrief:
        """Resume a paused campaign (sending starts again where it stopped). Needs a key
        with the `launch` scope."""
        async with api_for(ctx) as api:
            resumed = CampaignResponse.model_validate(
                await api.post(campaign_path(campaign_id, "/resume"))
            )
        return CampaignBrief.of(resumed.campaign)

    @server.tool(annotations=READ)
    async def export_drafts(
        ctx: Ctx, campaign_id: CampaignId, status: StatusFilter = "all"
    ) -> CallToolResult:
        """Export the campaign's messages as CSV: answers a resource link to read (the rows
        are not inlined), with the row count."""
        async with api_for(ctx) as api:
            summary = ReviewSummary.model_validate(
                await api.get(messages_path(campaign_id, "/summary"), {"status": status})
            )
        uri = resources.export_uri(campaign_id, status)
        link = ExportLink(
            campaign_id=campaign_id,
            rows=summary.total,
            uri=uri,
            next_step="read the resource at `uri` for the CSV",
        )
        return CallToolResult(
            content=[
                TextContent(type="text", text=f"{summary.total} rows: {uri}"),
                ResourceLink(
                    type="resource_link",
                    name=f"drafts-{campaign_id}.csv",
                    uri=uri,
                    mime_type="text/csv",
                    description=f"{summary.total} messages ({status}) as CSV",
                ),
            ],
            structured_content=link.model_dump(mode="json"),
        )

    resources.register(server, api_for)
    prompts.register(server)
    return server


def _view(campaign: Any, nodes: list[Any], by_status: dict[str, int]) -> CampaignView:
    steps = [Step.of(node) for node in nodes]
    ai_steps = [step.id for step in steps if step.type == "ai"]
    prospects = sum(by_status.values())
    if not ai_steps:
        hint = "add_sequence_step with type 'ai' for a per-prospect email"
    elif not prospects:
        hint = "add_prospects"
    else:
        hint = "chat_framework on the AI step, or resolve_drafts / review_summary"
    return CampaignView(
        campaign=CampaignBrief.of(campaign, len(steps)),
        steps=steps,
        prospects_by_status=by_status,
        ai_step_ids=ai_steps,
        next_step=hint,
    )


def _launch_hint(check: LaunchCheck) -> str:
    if check.can_launch:
        return "ask the user; with their go-ahead, launch_campaign with confirm: true"
    if check.status != "draft":
        return f"nothing to launch: the campaign is {check.status} (only a draft launches)"
    return "fix the problems listed, then launch_campaign again without confirm"


def _launch_effect(drafts: int, prospects: int, *, done: bool) -> str:
    verb, becomes = ("became", "became") if done else ("become", "becomes")
    return (
        f"{drafts} unrejected draft(s) for {prospects} prospect(s) {verb} pending and the "
        f"campaign {becomes} active (sending starts)"
    )


def _run_view(run: Any) -> RunView:
    if not run.terminal:
        hint = f"wait_for_run with run_id {run.id}"
    elif run.kind.startswith("generate-email-examples"):
        hint = "resolve_drafts to copy the examples onto their prospects"
    else:
        hint = "review_summary, then list_drafts / approve_drafts"
    return RunView(run=run, finished=run.terminal, next_step=hint)


async def _write_drafts(
    api: Api, campaign_id: uuid.UUID, request: dict[str, Any], quoted: dict[str, Any], then: str
) -> RunStarted:
    """Quote a writer run, then start it (generate_ai / regenerate): the answer says what it
    was quoted to spend."""
    spend = await _quote(api, campaign_id=campaign_id, **quoted)
    started = GenerateAIStarted.model_validate(await api.post(messages_path(campaign_id), request))
    return RunStarted(
        run_id=started.run_id,
        items=started.prospects,
        spend=spend,
        next_step=f"wait_for_run with run_id {started.run_id}, then {then}",
    )


async def _quote(api: Api, **fields: Any) -> Quote:
    return Quote.model_validate(
        await api.post("/api/credits/preview", body(QuoteRequest, **fields))
    )


async def _review(
    api_for: ApiFactory,
    ctx: Ctx,
    campaign_id: uuid.UUID,
    action: Literal["approve", "reject"],
    message_ids: list[uuid.UUID] | None,
    filter: MessageFilter | None,
    note: str | None,
) -> ReviewDone:
    request = body(ReviewRequest, action=action, message_ids=message_ids, filter=filter, note=note)
    async with api_for(ctx) as api:
        result = ReviewResult.model_validate(await api.post(messages_path(campaign_id), request))
    return ReviewDone(**result.model_dump(), next_step="review_summary for what is left")


def _lead(prospect: dict[str, Any]) -> LeadIn:
    keys = ("first_name", "last_name", "email", "company", "position", "headline", "linkedin_url")
    fields = {k: prospect[k] for k in keys if prospect.get(k)}
    return LeadIn(id=prospect["id"], **fields, custom_fields=prospect.get("custom_fields") or {})
