"""`coldcraft worker`: a run executor process for the distributed shape.

Run M of these next to N API processes started with `COLDCRAFT_EXECUTOR=none`, all on the
same PostgreSQL database. Each worker needs a stable, unique id (`COLDCRAFT_WORKER_ID` or
`--id`): DBOS records which executor runs which workflow, and a worker restarted under the
same id resumes its own unfinished workflows. `--recover ID` takes over the unfinished
workflows of a worker that is gone for good (the sweep does the same automatically for
workers whose liveness lock has been released, see coldcraft/worker/liveness.py).
"""

from __future__ import annotations

import asyncio
import signal
import socket
from typing import Annotated

import typer

IdOpt = Annotated[
    str | None,
    typer.Option("--id", help="Executor id (default: COLDCRAFT_WORKER_ID, else the hostname)."),
]
RecoverOpt = Annotated[
    list[str] | None,
    typer.Option("--recover", help="Take over the workflows of this gone worker id (repeatable)."),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="With --recover: do not check that the worker is gone.")
]


def worker(id: IdOpt = None, recover: RecoverOpt = None, force: ForceOpt = False) -> None:
    """Execute runs (DBOS workflows) until stopped with SIGINT/SIGTERM."""
    from coldcraft.api.observability import configure_logging
    from coldcraft.config import get_settings
    from coldcraft.store.migrate import upgrade

    configure_logging()
    settings = get_settings()
    if settings.is_sqlite:
        upgrade(settings.resolved_database_url())
    executor_id = id or settings.worker_id or socket.gethostname()
    try:
        asyncio.run(_serve(executor_id, recover or [], force=force))
    except RuntimeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


async def _serve(executor_id: str, recover: list[str], *, force: bool) -> None:
    from coldcraft.config import get_settings
    from coldcraft.store.engine import create_engine
    from coldcraft.store.session import create_sessionmaker
    from coldcraft.worker.engine import RunEngine

    settings = get_settings()
    db = create_engine(settings.resolved_database_url())
    engine = RunEngine(settings, create_sessionmaker(db))
    await engine.start(execute=True, executor_id=executor_id)
    try:
        if recover:
            recovered = await engine.recover(recover, force=force)
            typer.echo(f"recovered {recovered} workflow(s) of {', '.join(recover)}", err=True)
        typer.echo(f"worker {executor_id} running (version {settings.app_version})", err=True)
        await _until_signalled()
    finally:
        await engine.stop()
        await db.dispose()


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
