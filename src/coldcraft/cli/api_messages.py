"""`coldcraft messages`: the campaign's outbox drafts (resolve, AI generate, edit, review,
export)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    split_ids,
)
from coldcraft.cli.api_runs import finish_run
from coldcraft.cli.client import LONG_TIMEOUT
from coldcraft.cli.output import Format, emit

app = group("Generated messages: one draft per prospect and sendable node.")

CampaignArg = Annotated[str, typer.Argument(help="Campaign id.")]


def _path(campaign_id: str) -> str:
    return f"/api/campaigns/{campaign_id}/generate-messages"


@command(app, "resolve")
def resolve(ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json) -> None:
    """Render every non-AI node for every prospect and copy AI examples onto drafts."""
    with client(ctx) as api:
        emit(api.post(_path(campaign_id), {"action": "resolve"}, timeout=LONG_TIMEOUT), fmt)


@command(app, "generate")
def generate(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    node: Annotated[str, typer.Option("--node", help="The AI node's id.")],
    prospect: Annotated[
        list[str] | None,
        typer.Option("--prospect", help="Only these prospect ids (repeat, or comma-separated)."),
    ] = None,
    wait: WaitOpt = False,
    idempotency_key: IdempotencyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Start a run writing one AI draft per prospect from the node's skeleton."""
    body = compact(
        {
            "action": "generate_ai",
            "node_id": node,
            "prospect_ids": split_ids(prospect) if prospect else None,
        }
    )
    _start_run(ctx, campaign_id, body, wait, fmt, headers=idempotency_headers(idempotency_key))


def _start_run(
    ctx: typer.Context,
    campaign_id: str,
    body: dict[str, object],
    wait: bool,
    fmt: Format,
    *,
    headers: dict[str, str] | None = None,
) -> None:
    """POST an action that starts a run; print the 202, or with `wait` follow it to its end."""
    with client(ctx) as api:
        started = api.post(_path(campaign_id), body, headers=headers)
        if not wait:
            emit(started, fmt)
            return
        finish_run(api, started["runId"], fmt)


IdsOpt = Annotated[
    list[str] | None,
    typer.Option("--id", help="Message ids (repeat, or comma-separated)."),
]
FlaggedOpt = Annotated[
    bool | None,
    typer.Option("--flagged/--not-flagged", help="Select by the flag (a check failed)."),
]
NodeOpt = Annotated[str | None, typer.Option("--node", help="Select one node's messages.")]
ReviewOpt = Annotated[
    str | None, typer.Option("--review", help="Select by review state: unreviewed | ...")
]
NoteOpt = Annotated[str | None, typer.Option("--note", help="A note kept with the review.")]


@command(app, "list")
def list_messages(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    status: Annotated[
        str | None, typer.Option("--status", help="draft (default) | pending | sent | all.")
    ] = None,
    prospect: Annotated[str | None, typer.Option("--prospect", help="Only this prospect.")] = None,
    node: NodeOpt = None,
    review: ReviewOpt = None,
    flagged: FlaggedOpt = None,
    rule: Annotated[str | None, typer.Option("--rule", help="A rule the judge named.")] = None,
    missing_field: Annotated[
        str | None, typer.Option("--missing-field", help="A merge field left empty.")
    ] = None,
    page: Annotated[int | None, typer.Option("--page", help="Page number, from 1.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Page size.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List a campaign's messages (a page of them), filtered."""
    params = {
        "status": status,
        "prospect_id": prospect,
        "node_id": node,
        "review": review,
        "flagged": _flag(flagged),
        "rule": rule,
        "missing_field": missing_field,
        "page": page,
        "limit": limit,
    }
    with client(ctx) as api:
        emit(api.get(_path(campaign_id), params=params), fmt)


@command(app, "summary")
def summary(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    node: NodeOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """The review at a glance: counts by status, review state, rule, missing field."""
    with client(ctx) as api:
        emit(api.get(_path(campaign_id) + "/summary", params={"node_id": node}), fmt)


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()


@command(app, "edit")
def edit(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    message_id: Annotated[str, typer.Argument(help="Message id.")],
    subject: Annotated[str | None, typer.Option("--subject", help="New subject.")] = None,
    body: Annotated[str | None, typer.Option("--body", help="New body text.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Edit a draft message (it is then never overwritten by resolve/generate)."""
    changes = compact({"subject": subject, "body_text": body})
    if not changes:
        raise typer.BadParameter("nothing to edit: give --subject and/or --body")
    with client(ctx) as api:
        emit(api.patch(_path(campaign_id), {"message_id": message_id, **changes}), fmt)


def _review(
    ctx: typer.Context,
    action: str,
    campaign_id: str,
    ids: list[str] | None,
    filters: dict[str, object],
    note: str | None,
    fmt: Format,
) -> None:
    """One review action on `--id`s, else on the messages the filter options select."""
    selection: dict[str, object] = (
        {"message_ids": split_ids(ids)} if ids else {"filter": compact(filters)}
    )
    if not ids and not compact(filters):
        raise typer.BadParameter("choose messages: --id, or a filter (--flagged, --node, ...)")
    body = {"action": action, **selection, **compact({"note": note})}
    with client(ctx) as api:
        emit(api.post(_path(campaign_id), body), fmt)


def _decision(action: str, summary: str) -> None:
    """Register `coldcraft messages approve|reject`: the same options, another action."""

    def decide(
        ctx: typer.Context,
        campaign_id: CampaignArg,
        ids: IdsOpt = None,
        flagged: FlaggedOpt = None,
        node: NodeOpt = None,
        review: ReviewOpt = None,
        note: NoteOpt = None,
        fmt: FormatOpt = Format.json,
    ) -> None:
        filters: dict[str, object] = {"flagged": flagged, "node_id": node, "review": review}
        _review(ctx, action, campaign_id, ids, filters, note, fmt)

    decide.__doc__ = summary
    command(app, action)(decide)


_decision("approve", "Approve messages (a person looked; a flagged one may then launch).")
_decision("reject", "Reject messages: never sent (the prospect skips that step).")


@command(app, "regenerate")
def regenerate(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    ids: IdsOpt = None,
    flagged: FlaggedOpt = None,
    node: NodeOpt = None,
    instruction: Annotated[
        str | None, typer.Option("--instruction", help="A note for the writer (the rewrite).")
    ] = None,
    include_edited: Annotated[
        bool, typer.Option("--include-edited", help="Rewrite hand-edited drafts too.")
    ] = False,
    wait: WaitOpt = False,
    fmt: FormatOpt = Format.json,
) -> None:
    """Rewrite chosen AI drafts of one node (a run, like `generate`)."""
    filters: dict[str, object] = {"flagged": flagged, "node_id": node}
    if not ids and not compact(filters):
        raise typer.BadParameter("choose drafts: --id, or a filter (--node, --flagged)")
    selection = {"message_ids": split_ids(ids)} if ids else {"filter": compact(filters)}
    body = {
        "action": "regenerate",
        **selection,
        **compact({"instruction": instruction}),
        "include_edited": include_edited,
    }
    _start_run(ctx, campaign_id, body, wait, fmt)


@command(app, "restore")
def restore(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    ids: IdsOpt = None,
    node: NodeOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Put the machine-written text back on hand-edited messages (`--id`s, or a node's)."""
    filters: dict[str, object] = {"node_id": node, "edited": True if node else None}
    _review(ctx, "restore", campaign_id, ids, filters, None, fmt)


@command(app, "export")
def export(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the CSV here (default: stdout).")
    ] = None,
    status: Annotated[
        str | None, typer.Option("--status", help="draft | pending | sent | all (default).")
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="One row per prospect, step<N>_* columns.")
    ] = False,
) -> None:
    """Export the messages as CSV for a sending tool (a file keeps Excel's UTF-8 mark)."""
    params = {"status": status, "format": "wide" if wide else None}
    with client(ctx) as api:
        path = f"{_path(campaign_id)}/export.csv"
        text = api.get_text(path, params=params, timeout=LONG_TIMEOUT)
    if output is None:
        text = text.removeprefix("\ufeff")  # a terminal or a pipe wants no byte order mark
        typer.echo(text, nl=not text.endswith("\n"))
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}", err=True)
