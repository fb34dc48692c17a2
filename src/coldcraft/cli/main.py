"""`coldcraft`: the service, its workers, its database, keys and the demo."""

from __future__ import annotations

from importlib.metadata import version as package_version
from typing import Annotated

import typer

from coldcraft.cli import (
    client_commands,
    db,
    demo,
    eval_command,
    keys,
    mcp_command,
    models,
    serve,
    worker,
)

app = typer.Typer(
    name="coldcraft",
    help="AI cold-email content engine: quality-gated frameworks and per-lead drafts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"coldcraft {package_version('coldcraft')}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """AI cold-email content engine: quality-gated frameworks and per-lead drafts."""


app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("worker")(worker.worker)
app.add_typer(db.app, name="db")
app.add_typer(keys.app, name="keys")
app.command("models")(models.models_command)
app.command("mcp", help=mcp_command.HELP)(mcp_command.mcp)
app.command("eval", help=eval_command.HELP)(eval_command.eval_command)
client_commands.register(app)


if __name__ == "__main__":
    app()
