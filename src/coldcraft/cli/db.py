from __future__ import annotations

import typer

from coldcraft.config import get_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations to the configured database (COLDCRAFT_DATABASE_URL)."""
    from coldcraft.store.migrate import upgrade as alembic_upgrade  # alembic loads slowly

    settings = get_settings()
    alembic_upgrade(settings.resolved_database_url(), revision)
    typer.echo(f"database at {revision}", err=True)
