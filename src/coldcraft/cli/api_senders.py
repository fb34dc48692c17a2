"""`coldcraft senders`: sender accounts (they feed the %sender_*% variables)."""

from __future__ import annotations

from typing import Annotated

import typer

from coldcraft.cli.api_base import FormatOpt, client, command, compact, group
from coldcraft.cli.output import Format, emit

app = group("Sender accounts (email or LinkedIn identities; no sending here).")


@command(app, "add")
def add_sender(
    ctx: typer.Context,
    type_: Annotated[str, typer.Option("--type", help="email | linkedin.")],
    first_name: Annotated[str, typer.Option("--first-name", help="Sender's first name.")],
    last_name: Annotated[str | None, typer.Option("--last-name")] = None,
    email: Annotated[
        str | None, typer.Option("--email", help="Email address (required for email).")
    ] = None,
    display_name: Annotated[str | None, typer.Option("--display-name")] = None,
    signature: Annotated[str | None, typer.Option("--signature")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Create a sender account."""
    body = compact(
        {
            "type": type_,
            "first_name": first_name,
            "last_name": last_name,
            "email_address": email,
            "display_name": display_name,
            "signature": signature,
        }
    )
    with client(ctx) as api:
        emit(api.post("/api/senders", body), fmt)


@command(app, "list")
def list_senders(
    ctx: typer.Context,
    type_: Annotated[str | None, typer.Option("--type", help="Only email or linkedin.")] = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """List sender accounts."""
    with client(ctx) as api:
        emit(api.get("/api/senders", params={"type": type_}), fmt)
