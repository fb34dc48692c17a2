"""Command groups of the HTTP API client (campaigns, nodes, leads, chat, runs, ...)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the API client's command groups to the `coldcraft` app."""
