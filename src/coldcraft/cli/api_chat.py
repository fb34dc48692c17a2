"""`coldcraft chat`: the framework chat of an AI node (sync send, async turns, sessions)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coldcraft.cli.api_base import (
    FormatOpt,
    IdempotencyOpt,
    WaitOpt,
    client,
    command,
    compact,
    group,
    idempotency_headers,
    json_file_list,
    json_object,
    skeleton_file,
    split_ids,
)
from coldcraft.cli.api_runs import finish_run
from coldcraft.cli.client import LONG_TIMEOUT, ApiClient
from coldcraft.cli.output import Format, emit, kv_table, list_table, stdout

app = group("Framework chat: talk to the agent that builds an AI node's skeleton.")

SESSIONS = "/api/campaigns/ai-chat-sessions"
SessionArg = Annotated[str, typer.Argument(help="Chat session id.")]
NodeOpt = Annotated[str, typer.Option("--node", help="The AI node's id.")]
MessageArg = Annotated[str, typer.Argument(help="Your message to the agent (1..8000 chars).")]
SampleLeadsOpt = Annotated[
    Path | None,
    typer.Option("--sample-leads", help="JSON file: leads to ground the examples in (<= 20)."),
]
SequenceContextOpt = Annotated[
    str | None, typer.Option("--sequence-context", help="Sequence context as a JSON object.")
]


@command(app, "send")
def send(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    message: MessageArg,
    node: NodeOpt,
    sample_leads: SampleLeadsOpt = None,
    sequence_context: SequenceContextOpt = None,
    idempotency_key: IdempotencyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """One synchronous chat turn (generate-content): prints the reply and the skeleton."""
    body = compact(
        {
            "node_id": node,
            "message": message,
            "sample_leads": json_file_list(sample_leads, key="leads") if sample_leads else None,
            "sequence_context": json_object(sequence_context, source="--sequence-context"),
        }
    )
    with client(ctx) as api:
        reply = api.post(
            f"/api/campaigns/{campaign_id}/generate-content",
            body,
            headers=idempotency_headers(idempotency_key),
            timeout=LONG_TIMEOUT,
        )
    if fmt is Format.json:
        emit(reply, fmt)
    else:
        print_reply(reply)


def print_reply(reply: dict[str, Any]) -> None:
    """Table mode of a chat reply: the assistant's text, then the skeleton."""
    console = stdout()
    console.print("assistant:", style="bold", markup=False)
    console.print(reply.get("assistant_message") or "", markup=False)
    skeleton = reply.get("skeleton")
    if not isinstance(skeleton, dict):
        console.print("(no skeleton yet)", markup=False)
        return
    updated = "updated" if reply.get("skeleton_updated") else "unchanged"
    fields = {k: v for k, v in skeleton.items() if k != "blocks"}
    console.print(kv_table(fields, title=f"skeleton ({updated})"))
    blocks = skeleton.get("blocks")
    if isinstance(blocks, list) and blocks:
        console.print(list_table(blocks, title="blocks"))


@command(app, "create")
def create_session(
    ctx: typer.Context,
    campaign_id: Annotated[str, typer.Argument(help="Campaign id.")],
    node: NodeOpt,
    fmt: FormatOpt = Format.json,
) -> None:
    """Open (or find) the chat session of a campaign's AI node."""
    with client(ctx) as api:
        emit(api.post(SESSIONS, {"campaign_id": campaign_id, "node_id": node}), fmt)


@command(app, "sessions")
def list_sessions(
    ctx: typer.Context,
    campaign: Annotated[str | None, typer.Option("--campaign", help="Only this campaign.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List chat sessions."""
    with client(ctx) as api:
        emit(api.get(SESSIONS, params={"campaign_id": campaign}), fmt)


@command(app, "get")
def get_session(ctx: typer.Context, session_id: SessionArg, fmt: FormatOpt = Format.json) -> None:
    """Show a session: messages, skeleton, drafts, examples, task status."""
    with client(ctx) as api:
        emit(api.get(f"{SESSIONS}/{session_id}"), fmt)


@command(app, "update")
def update_session(
    ctx: typer.Context,
    session_id: SessionArg,
    title: Annotated[str | None, typer.Option("--title")] = None,
    draft_subject: Annotated[str | None, typer.Option("--draft-subject")] = None,
    draft_body: Annotated[str | None, typer.Option("--draft-body")] = None,
    skeleton: Annotated[
        Path | None, typer.Option("--skeleton", help="JSON file: a new skeleton (judged).")
    ] = None,
    examples: Annotated[
        Path | None, typer.Option("--examples", help="JSON file: generated_examples list.")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Edit a session's title, drafts, skeleton or examples."""
    body = compact(
        {
            "title": title,
            "draft_subject": draft_subject,
            "draft_body": draft_body,
            "skeleton": skeleton_file(skeleton) if skeleton else None,
            "generated_examples": (
                json_file_list(examples, key="generated_examples") if examples else None
            ),
        }
    )
    if not body:
        raise typer.BadParameter("nothing to update: give --title, --skeleton, ...")
    with client(ctx) as api:
        emit(api.patch(f"{SESSIONS}/{session_id}", body), fmt)


@command(app, "delete")
def delete_session(
    ctx: typer.Context, session_id: SessionArg, fmt: FormatOpt = Format.json
) -> None:
    """Delete a session (cancels its runs)."""
    with client(ctx) as api:
        emit(api.delete(f"{SESSIONS}/{session_id}"), fmt)


@command(app, "turn")
def turn(
    ctx: typer.Context,
    session_id: SessionArg,
    message: MessageArg,
    var_names: Annotated[
        list[str] | None,
        typer.Option("--var", help="Available variable name (repeat, or comma-separated)."),
    ] = None,
    sample_leads: SampleLeadsOpt = None,
    sequence_context: SequenceContextOpt = None,
    wait: WaitOpt = False,
    idempotency_key: IdempotencyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """An asynchronous chat turn: starts a run (--wait follows it, then prints the reply)."""
    body = compact(
        {
            "message": message,
            "availableVarNames": split_ids(var_names) if var_names else None,
            "sampleLeads": json_file_list(sample_leads, key="leads") if sample_leads else None,
            "sequenceContext": json_object(sequence_context, source="--sequence-context"),
        }
    )
    with client(ctx) as api:
        started = api.post(
            f"{SESSIONS}/{session_id}/turn", body, headers=idempotency_headers(idempotency_key)
        )
        if not wait:
            emit(started, fmt)
            return
        finish_run(api, started["runId"], fmt, extra=lambda _: _reply(api, session_id))


def _reply(api: ApiClient, session_id: str) -> dict[str, Any]:
    """The session's latest assistant message and skeleton, after a turn."""
    session = api.get(f"{SESSIONS}/{session_id}")["session"]
    messages = session.get("messages") or []
    replies = [m.get("content") for m in messages if m.get("role") == "assistant"]
    return {"assistant_message": replies[-1] if replies else None, "skeleton": session["skeleton"]}
