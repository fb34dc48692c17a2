from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from coldcraft.config import Settings


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="HTTP worker processes.")] = 1,
    link: Annotated[
        bool, typer.Option(help="Print a one-time sign-in link to the studio for the local user.")
    ] = True,
) -> None:
    """Run the HTTP API and the studio (and, on the embedded default, the run executor)."""
    import uvicorn

    from coldcraft.api.observability import configure_logging
    from coldcraft.cli._async import require_migrated
    from coldcraft.config import get_settings

    settings = get_settings()
    require_migrated(settings)  # a clear "run `coldcraft db upgrade`", not a traceback
    configure_logging()
    _print_models(settings)
    if link:
        _print_studio_link(host, port)
    uvicorn.run(
        "coldcraft.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        # Our JSON access log (request id, path without the query string) replaces
        # uvicorn's, whose full URL would carry a run's `?token=` (or a studio link's).
        access_log=False,
    )


def studio_link(base_url: str) -> str:
    """A one-time studio sign-in link for the local user (the demo's account)."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from coldcraft.cli._async import run_in_session
    from coldcraft.demo.script import ACCOUNT_EMAIL
    from coldcraft.studio.links import local_link

    async def work(session: AsyncSession) -> str:
        return await local_link(session, base_url, email=ACCOUNT_EMAIL)

    return run_in_session(work)


def _print_models(settings: Settings) -> None:
    """Which models answer, said at start-up (the offline stand-in above all)."""
    from coldcraft.llm.models import model_notes

    try:
        notes = model_notes(settings)
    except ValueError as exc:  # a malformed COLDCRAFT_*_MODEL: the first call says it too
        notes = [f"warning: {exc}"]
    for note in notes:
        typer.echo(note)


def _print_studio_link(host: str, port: int) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    try:
        url = studio_link(f"http://{shown}:{port}")
    except Exception as exc:  # e.g. a PostgreSQL database not migrated yet: serve anyway
        typer.echo(f"studio: no sign-in link ({type(exc).__name__}); sign in with an API key")
        return
    typer.echo(f"studio: open {url} (a one-time sign-in link, valid 24 h)")
