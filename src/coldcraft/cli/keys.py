from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from coldcraft.errors import AppError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="Accounts and API keys.", no_args_is_help=True)


@app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Account email; the account is created if new.")],
    name: Annotated[str | None, typer.Option(help="A label for this key.")] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            help="What the key may do, comma-separated: read, write (create, edit, spend), "
            "launch (launch, pause, resume, delete a campaign). Default: all three."
        ),
    ] = None,
) -> None:
    """Create an API key and print it (only the key, on stdout). It is shown once."""
    from coldcraft.accounts.scopes import parse_scopes
    from coldcraft.accounts.service import account_service
    from coldcraft.cli._async import run_in_session

    async def work(session: AsyncSession) -> str:
        _, key = await account_service.create_key(
            session, email=email, name=name, scopes=parse_scopes(scope)
        )
        return key

    try:
        typer.echo(run_in_session(work))
    except AppError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc


@app.command("revoke")
def revoke(key: Annotated[str, typer.Argument(help="The full API key to revoke.")]) -> None:
    """Revoke an API key; requests with it get 401 from now on."""
    from coldcraft.accounts.service import account_service
    from coldcraft.cli._async import run_in_session

    async def work(session: AsyncSession) -> bool:
        return await account_service.revoke_key(session, key)

    if not run_in_session(work):
        typer.echo("error: no active key matches", err=True)
        raise typer.Exit(1)
    typer.echo("revoked", err=True)


@app.command("list")
def list_keys(email: Annotated[str, typer.Option(help="Account email.")]) -> None:
    """List an account's keys (prefix, name, created, scopes, revoked)."""
    from coldcraft.accounts.service import account_service
    from coldcraft.cli._async import run_in_session

    async def work(session: AsyncSession) -> list[str]:
        keys = await account_service.list_keys(session, email=email)
        return [
            f"{k.prefix}...\t{k.name or ''}\t{k.created_at:%Y-%m-%d}\t{k.scopes}\t"
            f"{'revoked' if k.revoked_at else 'active'}"
            for k in keys
        ]

    for line in run_in_session(work):
        typer.echo(line)
