"""Print API responses: pretty JSON (verbatim, for scripts and agents) or Rich tables."""

from __future__ import annotations

import json
import re
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from coldcraft.cli.client import ApiConnectionError, ApiError

CELL_MAX = 60
SHORT_ID = 8  # ids in a table: the first 8 characters, like git's short hashes
# Text a table shows whole, folded over lines (advice is never cut mid-sentence).
WHOLE = frozenset({"message", "reason", "why"})

# Columns shown in table mode for each list the API returns (the ones a person scans first,
# so that a table fits 80 columns); other lists show their scalars. `-F json` has everything.
COLUMNS: dict[str, list[str]] = {
    "campaigns": ["id", "name", "status", "type", "node_count", "created_at"],
    "sequence_nodes": ["position", "id", "type", "subject", "delay_days"],
    "senders": ["id", "type", "first_name", "email_address"],
    "prospects": ["id", "status", "first_name", "last_name", "company", "email"],
    "sessions": ["id", "title", "framework_version", "task_status"],
    "messages": ["id", "prospect_id", "node_id", "review_state", "quality", "subject"],
    "generated_examples": ["lead_id", "subject", "quality", "error"],
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
    shortened = any(_is_id(column) for column in columns)
    caption = "ids shortened; -F json prints them whole" if shortened and rows else None
    table = Table(title=f"{title} ({len(rows)})", title_justify="left", caption=caption)
    for column in columns:
        short = _is_id(column) or column in ("created_at", "updated_at")
        table.add_column(column, overflow="fold", no_wrap=short)
    for row in rows:
        table.add_row(*(_cell_in(column, row.get(column)) for column in columns))
    return table


_GENERATED_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|run_[0-9a-z]{20,}")  # not a lead's email


def _is_id(column: str) -> bool:
    return column == "id" or column.endswith("_id")


def _cell_in(column: str, value: Any) -> str:
    if _is_id(column) and isinstance(value, str) and _GENERATED_ID.fullmatch(value):
        return value[:SHORT_ID]
    if column.endswith("_at") and isinstance(value, str):
        return value[:10]  # the date: the time is in -F json
    return cell(value, one_line=True, limit=None if column in WHOLE else CELL_MAX)


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
