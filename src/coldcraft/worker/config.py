"""DBOS configuration from our settings: system database, names, versions, queue limits.

- Embedded on SQLite: the system database is `dbos.sqlite` in the data dir, a file of its
  own (DBOS's polling must not contend with our writes for SQLite's single writer lock).
- PostgreSQL: by default the system tables live in OUR database (schema `dbos`), so the
  API enqueues a run in the same transaction as the claim and the run row. A separate
  `COLDCRAFT_DBOS_SYSTEM_DATABASE_URL` works too; then enqueueing happens after commit
  (the outbox path, see runs/dispatch.py).
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy.engine import URL, make_url

from coldcraft.config import Settings

APP_NAME = "coldcraft"
RUNS_QUEUE = "coldcraft-runs"  # one workflow per run (the coordinator)
PROVIDER_QUEUE = "coldcraft-provider"  # chunk workflows: each holds one provider slot
FINISH_QUEUE = "coldcraft-run-finish"  # finishers: wait for a run's chunks, then finish it
RUN_WORKFLOW = "coldcraft.run"
CHUNK_WORKFLOW = "coldcraft.run_chunk"
FINISH_WORKFLOW = "coldcraft.run_finish"
EMBEDDED_EXECUTOR_ID = "embedded"


def _sync_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        return parsed.set(drivername="sqlite")
    return parsed.set(drivername="postgresql+psycopg")


def system_database_url(settings: Settings) -> str:
    if settings.dbos_system_database_url:
        return _sync_url(settings.dbos_system_database_url).render_as_string(hide_password=False)
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{settings.data_dir / 'dbos.sqlite'}"
    return _sync_url(settings.resolved_database_url()).render_as_string(hide_password=False)


def shares_our_database(settings: Settings) -> bool:
    """True when the DBOS tables are in our PostgreSQL database (one transaction spans both)."""
    if settings.is_sqlite:
        return False
    ours = _sync_url(settings.resolved_database_url())
    theirs = make_url(system_database_url(settings))
    same = ("host", "port", "database", "username")
    return all(getattr(ours, part) == getattr(theirs, part) for part in same)


def dbos_config(settings: Settings, *, executor_id: str) -> dict[str, Any]:
    return {
        "name": APP_NAME,
        "system_database_url": system_database_url(settings),
        "application_version": settings.app_version,
        "executor_id": executor_id,
        "log_level": "WARNING",
        "run_migrations": True,
        "notification_listener_polling_interval_sec": 0.1,
    }


def finisher_id(run_id: str) -> str:
    return f"{run_id}:finish"


def chunk_size(total: int, settings: Settings) -> int:
    """Items per chunk workflow.

    Each chunk holds one provider slot and runs its items one after the other, so a run
    reaches `run_concurrency` parallel calls only with at least that many chunks. A rate
    limit counts workflow starts, so with a limiter every item is its own chunk.
    """
    if settings.provider_requests_per_minute > 0:
        return 1
    per_lane = math.ceil(max(total, 1) / max(1, run_concurrency(settings)))
    return max(1, min(settings.run_chunk_max_items, per_lane))


def run_concurrency(settings: Settings) -> int:
    # DBOS rejects a partition limit above the queue-wide one.
    return max(1, min(settings.run_concurrency, max(1, settings.provider_max_in_flight)))


def provider_queue_limits(settings: Settings) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "global_concurrency": max(1, settings.provider_max_in_flight),
        "partition_concurrency": run_concurrency(settings),
        "polling_interval_sec": settings.run_queue_poll_seconds,
    }
    if settings.provider_requests_per_minute > 0:
        limits["limiter"] = {"limit": settings.provider_requests_per_minute, "period": 60.0}
    return limits
