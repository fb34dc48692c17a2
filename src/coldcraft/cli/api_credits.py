"""`coldcraft credits preview`: what an action would spend, before it starts."""

from __future__ import annotations

from typing import Annotated

import typer

from coldcraft.cli.api_base import FormatOpt, client, command, compact, group, split_ids
from coldcraft.cli.output import Format, emit

app = group("Quotes: what an action would spend before it starts.")


@command(app, "preview")
def preview(
    ctx: typer.Context,
    action: Annotated[
        str,
        typer.Argument(help="chat_turn | generate_examples | generate_ai | regenerate."),
    ],
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign id.")],
    node: Annotated[str | None, typer.Option("--node", help="The AI node (generate_ai).")] = None,
    count: Annotated[int | None, typer.Option("--count", help="Leads (generate_examples).")] = None,
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Message ids to regenerate (repeat).")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Requests, cost and duration ranges, and whether the spend cap allows it."""
    body = compact(
        {
            "action": action,
            "campaign_id": campaign,
            "node_id": node,
            "count": count,
            "message_ids": split_ids(ids) if ids else None,
        }
    )
    if action == "regenerate" and not ids:
        body["filter"] = compact({"node_id": node})
        body.pop("node_id", None)
    with client(ctx) as api:
        emit(api.post("/api/credits/preview", body), fmt)
