"""Print API responses: pretty JSON (verbatim, for scripts and agents) or Rich tables."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from coldcraft.cli.client import ApiConnectionError, ApiError

CELL_MAX = 60

# Columns shown in table mode for each list the API returns; other lists show their scalars.
COLUMNS: dict[str, list[str]] = {
    "campaigns": ["id", "name", "type", "status", "node_count", "daily_limit", "created_at"],
    "sequence_nodes": ["position", "id", "type", "subject", "body", "delay_days", "ai_node"],
    "senders": ["id", "type", "first_name", "last_name", "email_address", "display_name"],
    "prospects": ["id", "status", "email", "linkedin_url", "first_name", "last_name", "company"],
    "sessions": ["id", "title", "framework_version", "task_status", "campaign_id"],
    "messages": ["id", "status", "subject", "body_text", "prospect_id"],
    "generated_examples": ["lead_id", "subject", "body", "quality", "error"],
    "issues": ["rule", "severity", "message"],
    "runs": ["id", "kind", "status", "progress", "created_at"],
    "details": ["field", "message"],
}


class Format(StrEnum):
    json = "json"
    table = "table"


def stdout() -> Console:
    # Built per call so the console writes to the current sys.stdout (CliRunner swaps it).
    return Console(highlight=False, soft_wrap=False)


def stderr() -> Console:
    return Console(stderr=True, highlight=False)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def emit(data: Any, fmt: Format) -> None:
    """Print one response in the chosen format."""
    if fmt is Format.json:
        print_json(data)
    else:
        print_tables(data)


def print_json(data: Any) -> None:
    typer.echo(to_json(data))


def print_tables(data: Any) -> None:
    console = stdout()
    if not isinstance(data, dict):
        typer.echo(cell(data, limit=None))
        return
    scalars = {k: v for k, v in data.items() if not _is_table(v)}
    if scalars:
        console.print(kv_table(scalars))
    for key, value in data.items():
        if isinstance(value, dict):
            console.print(kv_table(value, title=key))
        elif _is_table(value):
            console.print(list_table(value, title=key))


def _is_table(value: Any) -> bool:
    is_rows = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return isinstance(value, dict) or is_rows


def kv_table(obj: dict[str, Any], *, title: str | None = None) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for key, value in obj.items():
        table.add_row(key, cell(value, limit=None if isinstance(value, str) else CELL_MAX * 2))
    return table


def list_table(rows: list[dict[str, Any]], *, title: str) -> Table:
    columns = COLUMNS.get(title) or _scalar_columns(rows)
    table = Table(title=f"{title} ({len(rows)})", title_justify="left")
    for column in columns:
        # The row's own id stays whole (it is what you copy); other ids may fold.
        is_id = column == "id"
        table.add_column(column, overflow="fold", no_wrap=is_id, min_width=36 if is_id else None)
    for row in rows:
        table.add_row(*(cell(row.get(column), one_line=True) for column in columns))
    return table


def _scalar_columns(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            if key not in columns and not isinstance(value, dict | list):
                columns.append(key)
    return columns


def cell(value: Any, *, limit: int | None = CELL_MAX, one_line: bool = False) -> str:
    """One value as table text: scalars as is, objects as compact JSON, long text cut."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict) and isinstance(value.get("passed"), bool):
        return _verdict(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if one_line:
        text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def _verdict(quality: dict[str, Any]) -> str:
    """A quality/lint result as `passed` or `failed: rule, rule`."""
    if quality["passed"]:
        return "passed"
    issues = quality.get("issues") or []
    rules = sorted({str(i.get("rule")) for i in issues if isinstance(i, dict)})
    return "failed: " + ", ".join(rules) if rules else "failed"


def print_error(error: ApiError | ApiConnectionError, fmt: Format) -> None:
    """An API error on stderr: the envelope as JSON, or a readable line in table mode."""
    if isinstance(error, ApiConnectionError):
        typer.echo(f"error: {error}", err=True)
        return
    if fmt is Format.json:
        typer.echo(json.dumps(error.envelope(), ensure_ascii=False), err=True)
        return
    typer.echo(f"error ({error.status} {error.code}): {error.message}", err=True)
    for detail in error.details or []:
        typer.echo(f"  - {_detail_text(detail)}", err=True)
    if error.retry_after:
        typer.echo(f"  retry after {error.retry_after} s", err=True)


def _detail_text(detail: Any) -> str:
    if isinstance(detail, dict) and "message" in detail:
        where = detail.get("field") or detail.get("rule") or ""
        return f"{where}: {detail['message']}" if where else str(detail["message"])
    return cell(detail, limit=None)
