"""PostgreSQL crashes and restarts in the middle of a run (distributed shape: one API
process that only enqueues, two workers, a private PostgreSQL server).

While the database is down the API answers 503 `unavailable` with `Retry-After` (no 500,
no hang); the workers pause their runs instead of failing them and survive. Once the
database is back the run completes: every lead written exactly once, leads finished
before the outage never requested again, and no live worker taken for dead by the other
(a restart frees every liveness lock at once; the first worker sweeps only every 30 s, so
only its lock keeper takes its lock back in time).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from tests.e2e.chaos import (
    PrivatePostgres,
    generate_url,
    leads,
    new_chat_session,
    private_db,  # noqa: F401  (fixture)
    private_postgres,  # noqa: F401  (fixture)
    wait_run,
)
from tests.e2e.conftest import Processes, start_api, writer_env
from tests.e2e.test_worker_recovery import WriterServer, read_examples, setup_session
from tests.e2e.test_worker_recovery import written_leads as stored_item_keys
from tests.llm.fake_providers import fake_openai

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

log = logging.getLogger(__name__)

LEADS = leads("Lead", 40)
DOWN_SECONDS = 4.0  # how long the database stays down
PROBE_TIMEOUT = 10.0  # an outage that makes a request hang fails the test
WORKERS = ("chaos-worker-1", "chaos-worker-2")
RARE_SWEEPS = {"COLDCRAFT_RUN_SWEEP_INTERVAL_SECONDS": "30"}


@dataclass
class Probes:
    """What the API answered while the database was down."""

    statuses: Counter[int] = field(default_factory=Counter)
    wrong: list[str] = field(default_factory=list)
    slowest: float = 0.0

    async def get(self, api: httpx.AsyncClient, path: str) -> None:
        await self._check(path, lambda: api.get(path, timeout=PROBE_TIMEOUT))

    async def post(self, api: httpx.AsyncClient, path: str, body: object) -> None:
        await self._check(path, lambda: api.post(path, json=body, timeout=PROBE_TIMEOUT))

    async def _check(self, path: str, send: Callable[[], Awaitable[httpx.Response]]) -> None:
        started = time.monotonic()
        response = await send()
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[response.status_code] += 1
        if path == "/healthz":
            ok = response.status_code == 503 and response.json()["database"] == "unavailable"
        else:
            ok = (
                response.status_code == 503
                and response.json()["error"]["code"] == "unavailable"
                and response.headers.get("retry-after") == "5"
            )
        if not ok:
            self.wrong.append(f"{path}: {response.status_code} {response.text}")


async def probe_while_down(api: httpx.AsyncClient, run_id: str, probes: Probes) -> None:
    down_at = time.monotonic()
    while time.monotonic() - down_at < DOWN_SECONDS:
        await probes.get(api, f"/api/runs/{run_id}")
        await probes.get(api, "/api/campaigns")
        await probes.post(api, "/api/campaigns", {"type": "email", "name": "during the outage"})
        await probes.get(api, "/healthz")
        await asyncio.sleep(0.2)


async def test_a_postgres_restart_mid_run_is_503_then_the_run_completes_exactly_once(
    private_postgres: PrivatePostgres,  # noqa: F811
    private_db: str,  # noqa: F811
    processes: Processes,
) -> None:
    writer = WriterServer()
    probes = Probes()
    with fake_openai() as fake:
        fake.latency = 0.3
        fake.responder = writer
        processes.env |= writer_env(
            private_db,
            fake.base_url,
            COLDCRAFT_RUN_CONCURRENCY="4",
            COLDCRAFT_RUN_SWEEP_INTERVAL_SECONDS="1",
        )
        base = await asyncio.to_thread(start_api, processes, COLDCRAFT_EXECUTOR="none")
        # The first worker sweeps rarely: after the restart, its liveness lock is free until
        # it takes it again; the second worker's sweep (every second) must not take it for dead.
        workers = [
            processes.start(WORKERS[0], "worker", "--id", WORKERS[0], **RARE_SWEEPS),
            processes.start(WORKERS[1], "worker", "--id", WORKERS[1]),
        ]
        key, _ = await setup_session(private_db)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
            session_id = await new_chat_session(api, private_db, key)
            response = await api.post(generate_url(session_id), json={"leads": LEADS})
            assert response.status_code == 202, response.text
            run_id = response.json()["runId"]
            started = time.monotonic()
            await wait_run(api, run_id, done=8)
            finished_before = set(await stored_item_keys(private_db, run_id))

            await asyncio.to_thread(private_postgres.stop, "immediate")
            down_at = time.monotonic()
            await probe_while_down(api, run_id, probes)
            await asyncio.to_thread(private_postgres.start)
            back_at = time.monotonic()
            down_for = back_at - down_at

            run = await wait_run(api, run_id, timeout=90)
            took, after = time.monotonic() - started, time.monotonic() - back_at
        per_lead = Counter(writer.per_lead.values())
        log.info(
            "database down %.1f s; answers while down %s, slowest %.2f s; run %.1f s, done "
            "%.1f s after the restart; leads stored before the outage %d; requests per lead %s",
            down_for,
            dict(probes.statuses),
            probes.slowest,
            took,
            after,
            len(finished_before),
            dict(per_lead),
        )
        assert not probes.wrong, probes.wrong
        assert "unhandled error" not in processes.log("api")  # no 500, before or after either
        assert 0 < len(finished_before) < len(LEADS)
        assert run["status"] == "completed", (run, processes.log(WORKERS[0]))
        progress = {"total": len(LEADS), "done": len(LEADS), "failed": 0}
        assert run["progress"] == progress, run["progress"]
        for name, proc in zip(WORKERS, workers, strict=True):
            assert proc.poll() is None, processes.log(name)  # the outage killed no worker
        for name in WORKERS:  # ... and no live worker was taken for dead after it
            assert "recovering the workflows" not in processes.log(name)

    stored = await stored_item_keys(private_db, run_id)
    assert len(stored) == len(set(stored)) == len(LEADS)
    examples = await read_examples(private_db, session_id)  # also: the claim is released
    assert [e["lead"]["first_name"] for e in examples] == [lead["first_name"] for lead in LEADS]
    # Workers pause through the outage instead of failing the chunks: no lead is asked twice.
    assert writer.per_lead == Counter({lead["first_name"]: 1 for lead in LEADS}), writer.per_lead
