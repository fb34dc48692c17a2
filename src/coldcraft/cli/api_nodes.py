"""`coldcraft nodes`: a campaign's sequence nodes (email, message, delay, ai, ...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from coldcraft.cli.api_base import FormatOpt, client, command, compact, group
from coldcraft.cli.output import Format, emit

app = group("Sequence nodes of a campaign: add, edit, move, delete.")

CampaignArg = Annotated[str, typer.Argument(help="Campaign id.")]
NodeArg = Annotated[str, typer.Argument(help="Sequence node id.")]
SubjectOpt = Annotated[str | None, typer.Option("--subject", help="Email subject.")]
BodyOpt = Annotated[str | None, typer.Option("--body", help="Body text (may use %fields%).")]
DaysOpt = Annotated[int | None, typer.Option("--delay-days", help="Delay node: days.")]
HoursOpt = Annotated[int | None, typer.Option("--delay-hours", help="Delay node: hours.")]
MinutesOpt = Annotated[int | None, typer.Option("--delay-minutes", help="Delay node: minutes.")]
PurposeOpt = Annotated[str | None, typer.Option("--purpose", help="AI node: its purpose.")]
OutputTypeOpt = Annotated[
    str | None, typer.Option("--output-type", help="AI node: email | linkedin_message.")
]


def _content(
    subject: str | None,
    body: str | None,
    delays: tuple[int | None, int | None, int | None],
    purpose: str | None,
    output_type: str | None,
) -> dict[str, Any]:
    ai_node = compact({"purpose": purpose, "output_type": output_type})
    days, hours, minutes = delays
    return compact(
        {
            "subject": subject,
            "body": body,
            "delay_days": days,
            "delay_hours": hours,
            "delay_minutes": minutes,
            "ai_node": ai_node or None,
        }
    )


@command(app, "list")
def list_nodes(ctx: typer.Context, campaign_id: CampaignArg, fmt: FormatOpt = Format.json) -> None:
    """List a campaign's nodes in order (from GET /api/campaigns/{id})."""
    with client(ctx) as api:
        detail = api.get(f"/api/campaigns/{campaign_id}")
    emit({"sequence_nodes": detail["sequence_nodes"]}, fmt)


@command(app, "add")
def add_node(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    type_: Annotated[
        str, typer.Option("--type", help="email | message | connection_request | delay | ai.")
    ],
    position: Annotated[
        int | None, typer.Option("--position", help="0-based; default: just before end.")
    ] = None,
    subject: SubjectOpt = None,
    body: BodyOpt = None,
    delay_days: DaysOpt = None,
    delay_hours: HoursOpt = None,
    delay_minutes: MinutesOpt = None,
    purpose: PurposeOpt = None,
    output_type: OutputTypeOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Add a node to a draft campaign's sequence."""
    delays = (delay_days, delay_hours, delay_minutes)
    fields = _content(subject, body, delays, purpose, output_type)
    request = {"type": type_, **compact({"position": position}), **fields}
    with client(ctx) as api:
        emit(api.post(f"/api/campaigns/{campaign_id}/sequence/nodes", request), fmt)


@command(app, "update")
def update_node(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    node_id: NodeArg,
    subject: SubjectOpt = None,
    body: BodyOpt = None,
    delay_days: DaysOpt = None,
    delay_hours: HoursOpt = None,
    delay_minutes: MinutesOpt = None,
    purpose: PurposeOpt = None,
    output_type: OutputTypeOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Change a node's content (type and position cannot change here)."""
    delays = (delay_days, delay_hours, delay_minutes)
    request = _content(subject, body, delays, purpose, output_type)
    if not request:
        raise typer.BadParameter("nothing to update: give --subject, --body, --purpose, ...")
    with client(ctx) as api:
        path = f"/api/campaigns/{campaign_id}/sequence/nodes/{node_id}"
        emit(api.put(path, request), fmt)


@command(app, "move")
def move_node(
    ctx: typer.Context,
    campaign_id: CampaignArg,
    node_id: NodeArg,
    to: Annotated[int, typer.Option("--to", help="New 0-based position.")],
    fmt: FormatOpt = Format.json,
) -> None:
    """Move a node to another position (the others renumber)."""
    request = {"nodeId": node_id, "toPosition": to}
    with client(ctx) as api:
        emit(api.patch(f"/api/campaigns/{campaign_id}/sequence/nodes", request), fmt)


@command(app, "delete")
def delete_node(
    ctx: typer.Context, campaign_id: CampaignArg, node_id: NodeArg, fmt: FormatOpt = Format.json
) -> None:
    """Delete a node (the others renumber)."""
    with client(ctx) as api:
        path = f"/api/campaigns/{campaign_id}/sequence/nodes"
        emit(api.delete(path, {"nodeId": node_id}), fmt)
