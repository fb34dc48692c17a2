"""`coldcraft runs`: async run status, cancel, tokens, and waiting with a progress bar."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from coldcraft.cli.api_base import (
    EXIT_RUN_NOT_COMPLETED,
    FormatOpt,
    client,
    command,
    group,
)
from coldcraft.cli.client import ApiClient, ApiConnectionError, ApiError
from coldcraft.cli.output import Format, emit, stderr

TERMINAL = frozenset({"completed", "failed", "cancelled"})
POLL_SECONDS = 1.0

app = group("Async runs: status, live progress, cancel, read-only tokens.")

RunIdArg = Annotated[str, typer.Argument(help="Run id (run_...).")]
TokenOpt = Annotated[
    str | None,
    typer.Option("--token", help="Use this run's publicAccessToken instead of the API key."),
]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", help="Give up after this many seconds (exit 4).")
]


def _api(ctx: typer.Context, token: str | None) -> ApiClient:
    if token is None:
        return client(ctx)
    return ApiClient(client(ctx).base_url, token)


@command(app, "get")
def get_run(
    ctx: typer.Context, run_id: RunIdArg, token: TokenOpt = None, fmt: FormatOpt = Format.json
) -> None:
    """Show a run: status, progress, usage, error."""
    with _api(ctx, token) as api:
        emit(api.get(f"/api/runs/{run_id}"), fmt)


@command(app, "list")
def list_runs(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="Only runs in this status: queued|running|completed|failed|cancelled."),
    ] = None,
    campaign: Annotated[str | None, typer.Option(help="Only this campaign's runs (id).")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page number.")] = 1,
    limit: Annotated[int, typer.Option(min=1, max=200, help="Runs per page.")] = 50,
    fmt: FormatOpt = Format.json,
) -> None:
    """List your runs, newest first (chat turns, examples, generate_ai, regenerate)."""
    params = {"status": status, "campaign_id": campaign, "page": page, "limit": limit}
    with client(ctx) as api:
        emit(api.get("/api/runs", params=params), fmt)


@command(app, "cancel")
def cancel_run(ctx: typer.Context, run_id: RunIdArg, fmt: FormatOpt = Format.json) -> None:
    """Cancel a run; results written so far are kept and the session is released."""
    with client(ctx) as api:
        emit(api.post(f"/api/runs/{run_id}/cancel"), fmt)


@command(app, "token")
def new_token(ctx: typer.Context, run_id: RunIdArg, fmt: FormatOpt = Format.json) -> None:
    """Mint a fresh read-only publicAccessToken for a run."""
    with client(ctx) as api:
        emit(api.post(f"/api/runs/{run_id}/token"), fmt)


@command(app, "wait")
def wait_run(
    ctx: typer.Context,
    run_id: RunIdArg,
    token: TokenOpt = None,
    timeout: TimeoutOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Follow a run (progress bar on stderr) until it ends; print it; exit 4 unless completed."""
    with _api(ctx, token) as api:
        finish_run(api, run_id, fmt, timeout=timeout)


def finish_run(
    api: ApiClient,
    run_id: str,
    fmt: Format,
    *,
    timeout: float | None = None,
    extra: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Wait for a run, print `{"run": ...}` (plus `extra(run)`), exit 4 unless it completed."""
    run = wait_for_run(api, run_id, timeout=timeout)
    output = {"run": run, **(extra(run) if extra else {})}
    emit(output, fmt)
    if run.get("status") != "completed":
        status = run.get("status")
        stderr().print(f"run {run_id} did not complete (status: {status})", markup=False)
        raise typer.Exit(EXIT_RUN_NOT_COMPLETED)


def wait_for_run(api: ApiClient, run_id: str, *, timeout: float | None = None) -> dict[str, Any]:
    """The run once terminal (or at the timeout): the SSE stream first, polling as fallback."""
    deadline = None if timeout is None else time.monotonic() + timeout
    with _bar() as bar:
        task = bar.add_task("waiting", total=None)
        view = _BarView(bar, task)
        if not _follow_stream(api, run_id, view, deadline):
            _poll(api, run_id, view, deadline)
        run = _get(api, run_id)
        view.show(run)
    return run


class _BarView:
    def __init__(self, bar: Progress, task: TaskID) -> None:
        self.bar, self.task = bar, task

    def show(self, run: dict[str, Any]) -> None:
        progress = run.get("progress") or {}
        total = int(progress.get("total") or 0)
        finished = int(progress.get("done") or 0) + int(progress.get("failed") or 0)
        failed = int(progress.get("failed") or 0)
        label = f"{run.get('kind', 'run')} {run.get('status', '?')}"
        if failed:
            label += f" ({failed} failed)"
        self.bar.update(self.task, description=label, total=total or None, completed=finished)


def _bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr(),
        transient=False,
    )


def _get(api: ApiClient, run_id: str) -> dict[str, Any]:
    run: dict[str, Any] = api.get(f"/api/runs/{run_id}")["run"]
    return run


def _follow_stream(api: ApiClient, run_id: str, view: _BarView, deadline: float | None) -> bool:
    """Feed the bar from the SSE stream; True when it reported the end."""
    try:
        with api.stream(f"/api/runs/{run_id}/stream") as events:
            for event in events:
                if event.event in ("progress", "end") and event.data:
                    view.show(_run_of(event.data))
                if event.event == "end":
                    return True
                if _expired(deadline):
                    return True
    except (ApiError, ApiConnectionError, ValueError, KeyError, TypeError):
        pass  # a missing or broken stream is not fatal: poll instead
    return False


def _run_of(data: str) -> dict[str, Any]:
    """The run inside an event's data (`{"run": {...}}` or the bare run)."""
    value = json.loads(data)
    if isinstance(value, dict) and isinstance(value.get("run"), dict):
        value = value["run"]
    if not isinstance(value, dict):
        raise ValueError("event data is not a run")
    return value


def _poll(api: ApiClient, run_id: str, view: _BarView, deadline: float | None) -> None:
    while True:
        run = _get(api, run_id)
        view.show(run)
        if run.get("status") in TERMINAL or _expired(deadline):
            return
        time.sleep(POLL_SECONDS)


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline
