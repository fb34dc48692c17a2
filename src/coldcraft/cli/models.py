"""`coldcraft models`: which chat, writer and research models are configured, and why."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from coldcraft.config import get_settings


def models_command() -> None:
    """Show the chat (framework), writer and research models, their provider and why."""
    # Imported here: the LLM stack takes a second to load and most commands never need it.
    from coldcraft.llm.models import describe_models, model_notes
    from coldcraft.llm.search import describe_search

    settings = get_settings()
    table = Table(title="coldcraft models")
    # The model strings are what this command exists to show: never cut; the reason folds.
    for column in ("role", "model", "provider"):
        table.add_column(column, no_wrap=True)
    table.add_column("why", overflow="fold")
    try:
        descriptions = describe_models(settings)
    except ValueError as exc:
        Console(stderr=True).print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    for d in descriptions:
        provider = f"{d.provider} ({d.base_url})" if d.base_url else d.provider
        table.add_row(d.role, d.name, provider, d.reason)
    table.add_row("web search", "", settings.search_provider or "", describe_search(settings))
    Console().print(table)
    for note in model_notes(settings):
        if note.startswith(("warning:", "offline is")):
            Console(stderr=True).print(note, markup=False)
