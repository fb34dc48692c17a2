"""`coldcraft context`: the workspace context the agents read on every call."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from coldcraft.cli.api_base import FormatOpt, client, command, group, json_input
from coldcraft.cli.output import Format, emit

app = group("Workspace context: company, product, ICP, tone, banned words, signature...")


@command(app, "get")
def get_context(ctx: typer.Context, fmt: FormatOpt = Format.json) -> None:
    """Show the workspace context (null when none is set)."""
    with client(ctx) as api:
        emit(api.get("/api/context"), fmt)


@command(app, "set")
def set_context(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Option("--file", help="JSON file with the context object ('-' = stdin).")
    ] = None,
    inline: Annotated[
        str | None, typer.Option("--json", help="The context as inline JSON.")
    ] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Replace the workspace context (a JSON object; `null` clears it)."""
    value = json_input(file=file, inline=inline, what="context")
    with client(ctx) as api:
        emit(api.put("/api/context", {"context": _unwrap(value)}), fmt)


def _unwrap(value: Any) -> Any:
    """Accept `context get`'s own output (`{"context": {...}}`) as well as the bare object."""
    if isinstance(value, dict) and list(value) == ["context"]:
        value = value["context"]
    if value is not None and not isinstance(value, dict):
        raise typer.BadParameter("the context must be a JSON object (or null)")
    return value
