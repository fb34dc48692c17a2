"""`coldcraft demo`: the whole pipeline on the embedded defaults, in one command."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

ACCOUNT_NAME = "demo"
STUDIO_URL = "http://127.0.0.1:8000"  # where `coldcraft serve` listens by default


def demo(
    model: Annotated[
        str | None,
        typer.Option(
            help="Model for both agents, e.g. anthropic:claude-sonnet-4-6, "
            "openai:gpt-4.1-mini, openai-compatible:llama3.1@http://127.0.0.1:11434/v1. "
            "Default: from the environment, else the offline model."
        ),
    ] = None,
    leads: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Your own lead CSV (default: 30 samples)."),
    ] = None,
) -> None:
    """Run the whole pipeline end to end: chat a framework, write examples, draft every lead.

    Uses the embedded defaults (SQLite in the data directory, the run executor in this
    process). Safe to run again: it replaces its own demo campaign.
    """
    from coldcraft.cli.client import ApiClient
    from coldcraft.config import get_settings
    from coldcraft.demo.runner import DemoRunner, sample_leads_csv
    from coldcraft.demo.server import EmbeddedServer

    console = Console()
    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"chat_model": model, "writer_model": model})
    started = time.monotonic()
    key = _demo_key()
    csv_bytes, csv_name = (
        (leads.read_bytes(), leads.name) if leads else (sample_leads_csv(), "sample_leads.csv")
    )
    with EmbeddedServer(settings) as url, ApiClient(url, key) as api:
        console.print(f"coldcraft demo: API at {url}, data in {settings.data_dir}")
        from coldcraft.llm.models import model_notes

        for note in model_notes(settings):
            console.print(note, markup=False, style="yellow" if "offline" in note else None)
        result = DemoRunner(api, console, settings.data_dir / "demo").run(csv_bytes, csv_name)
    _summary(console, result, key, time.monotonic() - started)


def _demo_key() -> str:
    return local_key(ACCOUNT_NAME)


def local_key(name: str) -> str:
    """A new key for the local (demo) account on the configured database: what the demo and
    the embedded `coldcraft mcp` use, so both see the same campaigns."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from coldcraft.accounts.service import account_service
    from coldcraft.cli._async import run_in_session
    from coldcraft.demo.script import ACCOUNT_EMAIL

    async def work(session: AsyncSession) -> str:
        _, key = await account_service.create_key(session, email=ACCOUNT_EMAIL, name=name)
        return key

    return run_in_session(work)


def _summary(console: Console, result: object, key: str, seconds: float) -> None:
    from coldcraft.demo.runner import DemoResult

    assert isinstance(result, DemoResult)
    console.rule("[bold]Done")
    console.print(f"finished in {seconds:.1f} s")
    console.print(
        f"campaign {result.campaign_id}: {result.prospects} prospects, "
        f"{result.examples} examples, {result.drafts} drafts"
    )
    console.print(f"drafts CSV: {result.export_path}")
    from coldcraft.cli.serve import studio_link

    console.print("explore the API:  coldcraft serve   then open http://127.0.0.1:8000/docs")
    console.print(f"demo API key:     {key}")
    link = studio_link(STUDIO_URL)
    console.print(f"the studio:       coldcraft serve   then open {link}", soft_wrap=True)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
