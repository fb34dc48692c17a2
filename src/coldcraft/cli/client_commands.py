"""Command groups of the HTTP API client (campaigns, nodes, leads, chat, runs, ...)."""

from __future__ import annotations

import typer

from coldcraft.cli import (
    api_campaigns,
    api_chat,
    api_context,
    api_credits,
    api_examples,
    api_health,
    api_leads,
    api_lint,
    api_me,
    api_messages,
    api_nodes,
    api_runs,
    api_senders,
)

GROUPS: dict[str, typer.Typer] = {
    "context": api_context.app,
    "senders": api_senders.app,
    "campaigns": api_campaigns.app,
    "nodes": api_nodes.app,
    "leads": api_leads.app,
    "chat": api_chat.app,
    "examples": api_examples.app,
    "messages": api_messages.app,
    "runs": api_runs.app,
    "credits": api_credits.app,
}


def register(app: typer.Typer) -> None:
    """Add the API client's command groups to the `coldcraft` app."""
    app.command("health")(api_health.health)
    app.command("me")(api_me.me)
    app.command("lint")(api_lint.lint)
    for name, group in GROUPS.items():
        app.add_typer(group, name=name)
