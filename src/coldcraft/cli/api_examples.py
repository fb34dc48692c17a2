"""`coldcraft examples`: sample emails per lead from a session's skeleton (async run)."""

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
)
from coldcraft.cli.api_runs import finish_run
from coldcraft.cli.client import ApiClient
from coldcraft.cli.output import Format, emit

app = group("Example emails written from a chat session's skeleton.")

SESSIONS = "/api/campaigns/ai-chat-sessions"
LEAD_FIELDS = ("first_name", "last_name", "email", "company", "position", "headline")
MAX_LEADS = 50


def prospect_to_lead(prospect: dict[str, Any]) -> dict[str, Any]:
    """A campaign prospect as a generate-examples lead (the prospect id is the lead id)."""
    lead = {field: prospect.get(field) for field in LEAD_FIELDS}
    lead.update(
        id=prospect.get("id"),
        full_name=prospect.get("name"),
        linkedin_url=prospect.get("linkedin_url"),
        custom_fields=prospect.get("custom_fields") or None,
    )
    return compact(lead)


def campaign_leads(api: ApiClient, session_id: str, count: int) -> list[dict[str, Any]]:
    """The first `count` prospects of the session's campaign, as leads."""
    if not 1 <= count <= MAX_LEADS:
        raise typer.BadParameter(f"--from-campaign takes 1..{MAX_LEADS} leads")
    session = api.get(f"{SESSIONS}/{session_id}")["session"]
    page = api.get(
        f"/api/campaigns/{session['campaign_id']}/leads", params={"page": 1, "limit": count}
    )
    leads = [prospect_to_lead(p) for p in page["prospects"]]
    if not leads:
        raise typer.BadParameter("the session's campaign has no prospects; add leads first")
    return leads


@command(app, "generate")
def generate(
    ctx: typer.Context,
    session_id: Annotated[str, typer.Argument(help="Chat session id (it needs a skeleton).")],
    leads: Annotated[
        Path | None, typer.Option("--leads", help="JSON file: a list of leads (1..50).")
    ] = None,
    from_campaign: Annotated[
        int | None,
        typer.Option("--from-campaign", help="Use the first N prospects of the campaign."),
    ] = None,
    first_batch: Annotated[
        bool | None,
        typer.Option(
            "--first-batch/--append",
            help="Replace the session's examples, or append to them (default: server decides).",
        ),
    ] = None,
    sequence_context: Annotated[
        str | None, typer.Option("--sequence-context", help="JSON: {position, total_nodes, ...}.")
    ] = None,
    wait: WaitOpt = False,
    idempotency_key: IdempotencyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Start a generate-examples run (--wait follows it, then prints the examples)."""
    if (leads is None) == (from_campaign is None):
        raise typer.BadParameter("give exactly one of --leads or --from-campaign")
    with client(ctx) as api:
        chosen = (
            json_file_list(leads, key="leads")
            if leads is not None
            else campaign_leads(api, session_id, from_campaign or 0)
        )
        body = compact(
            {
                "leads": chosen,
                "isFirstBatch": first_batch,
                "sequenceContext": json_object(sequence_context, source="--sequence-context"),
            }
        )
        path = f"{SESSIONS}/{session_id}/generate-examples"
        started = api.post(path, body, headers=idempotency_headers(idempotency_key))
        if not wait:
            emit(started, fmt)
            return
        finish_run(api, started["runId"], fmt, extra=lambda _: _examples(api, session_id))


def _examples(api: ApiClient, session_id: str) -> dict[str, Any]:
    session = api.get(f"{SESSIONS}/{session_id}")["session"]
    return {"generated_examples": session.get("generated_examples") or []}
