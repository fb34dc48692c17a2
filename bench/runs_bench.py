"""Runs benchmark: `python -m bench runs [--leads 1000] [--backend sqlite|postgres|both]
[--parts latency throughput posts] [--repeat N]`.

Everything goes through the real engine (DBOS embedded in the app: the run workflow, its
chunk workflows on the provider queue, a checkpointed step per model call and a short
transaction per result) and the real per-lead writer (`write_email`: agent, judge, guards),
with a scripted model standing in for the provider:

1. latency: the model answers after a fixed 1 s; 50 calls may be in flight
   (`run_concurrency` = `provider_max_in_flight` = 50). Target: the run ends within
   1.15 x ceil(leads / 50) x 1 s. The peak of concurrent calls is reported too (it must
   never pass 50).
2. throughput: the same run with a 0 ms model: leads per second for this one process.
3. API overhead: POST generate-examples (claim + run row + enqueue + token) on fresh
   sessions, in process through httpx's ASGI transport, while the runs execute. p50/p95.

Each backend gets a fresh database (a temporary SQLite file; a new database on the server
of COLDCRAFT_BENCH_POSTGRES_URL, default postgresql+asyncpg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
from dbos import DBOS
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import account_service
from coldcraft.app import create_app
from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel, Role, set_model_factory
from coldcraft.llm.offline import respond
from coldcraft.llm.usage import Usage
from coldcraft.llm.writer_agent import write_email
from coldcraft.runs.kinds import Item, ItemOutcome, RunEnv, RunKind, RunQueue
from coldcraft.runs.service import run_service
from coldcraft.skeletons.judge import JudgeContext
from coldcraft.skeletons.schema import CampaignInfo, Lead, Sender, Skeleton
from coldcraft.skeletons.seed import SEED_SKELETON as SEED
from coldcraft.store.migrate import upgrade_async
from coldcraft.store.models import AIChatSession, Run, User
from coldcraft.store.session import SessionMaker, unit_of_work
from coldcraft.worker.kinds import add_run_kind
from coldcraft.writing.inputs import WriterContext

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
IN_FLIGHT = 50
LATENCY_SECONDS = 1.0
TARGET_FACTOR = 1.15
POSTS = 200
PARTS = ("latency", "throughput", "posts")
SKELETON: dict[str, Any] = SEED | {
    "exampleBody": (
        "Hi Sarah,\n\nMost heads of ops we talk to burn 6+ hours a week chasing onboarding "
        "paperwork by hand, and the backlog grows with every hire.\n\nWe helped Northwind cut "
        "that to under an hour with automated checklists.\n\nWorth a 10-min chat?\n\nSid"
    ),
}


# --- the scripted provider and a run kind writing N leads ---------------------------------


@dataclass
class Provider:
    latency: float = 0.0
    in_flight: int = 0
    peak: int = 0
    calls: int = 0

    async def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self.calls += 1
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
            return await respond(messages, info)
        finally:
            self.in_flight -= 1

    def resolved(self, _role: Role, _settings: Settings) -> ResolvedModel:
        model = FunctionModel(self.respond, model_name="bench")
        return ResolvedModel(model=model, name="bench", provider="bench", reason="bench")


BENCH_KIND = "bench-writer"


class BenchParams(BaseModel):
    leads: int


class BenchResult(BaseModel):
    subject: str


class BenchWriter(RunKind[WriterContext, BenchParams]):
    """generate-examples' writer call per lead, without the session write-back (whose
    read-modify-write of one JSON list is sized for the API's 50 leads, not 1,000)."""

    name = BENCH_KIND
    params_model = BenchParams

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        return [Item(f"lead-{i}", {"i": i}) for i in range(self.params(run).leads)]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> WriterContext:
        return WriterContext(
            skeleton=Skeleton.model_validate(SKELETON),
            sender=Sender(first_name="Sam"),
            campaign=CampaignInfo(),
            campaign_name="bench",
            workspace_context=None,
            judge=JudgeContext(),
            position=0,
            total_nodes=1,
            earlier=(),
        )

    async def process(self, env: RunEnv, prepared: WriterContext, item: Item) -> ItemOutcome:
        i = item.data["i"]
        lead = Lead(first_name=f"Lead{i}", company=f"Company {i}", position="Head of Ops")
        written = await write_email(prepared.request(lead), model=env.model("writer"))
        usage = Usage(written.usage.input_tokens, written.usage.output_tokens, requests=1)
        result = BenchResult(subject=written.subject)
        return ItemOutcome(ok=written.passed, result=result, usage=usage)


add_run_kind(BenchWriter())


# --- databases ----------------------------------------------------------------------------


@asynccontextmanager
async def database(backend: str, root: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{root / 'bench.db'}"
        await upgrade_async(url)
        yield url
        return
    server = make_url(os.environ.get("COLDCRAFT_BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    name = f"coldcraft_bench_{uuid.uuid4().hex[:8]}"
    libpq = server.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        await upgrade_async(url)
        yield url
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_settings(url: str, data_dir: Path) -> Settings:
    return Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key="bench-secret",  # type: ignore[arg-type]
        writer_model="offline",
        chat_model="offline",
        run_concurrency=IN_FLIGHT,
        provider_max_in_flight=IN_FLIGHT,
    )


# --- measurements -------------------------------------------------------------------------


async def new_user(sm: SessionMaker) -> tuple[User, str]:
    async with unit_of_work(sm) as session:
        return await account_service.create_key(session, email=f"{uuid.uuid4().hex}@bench.io")


async def one_run(
    queue: RunQueue, sm: SessionMaker, settings: Settings, user: User, leads: int
) -> tuple[float, float]:
    """Seconds from starting the run to its end, and this process's CPU seconds meanwhile."""
    t0, cpu0 = time.perf_counter(), time.process_time()
    async with unit_of_work(sm) as session:
        started = await run_service.start_run(
            session,
            queue,
            user=user,
            kind=BENCH_KIND,
            settings=settings,
            params=BenchParams(leads=leads),
        )
    while True:
        async with unit_of_work(sm) as session:
            run = await run_service.read(session, started.run_id)
        assert run is not None
        if run.status in ("completed", "failed", "cancelled"):
            if run.status != "completed" or run.progress_done != leads:
                raise RuntimeError(f"run ended {run.status}: {run.progress_done} done, {run.error}")
            return time.perf_counter() - t0, time.process_time() - cpu0
        await asyncio.sleep(0.25)


async def latency_run(
    queue: RunQueue, sm: SessionMaker, settings: Settings, user: User, leads: int
) -> None:
    provider = Provider(latency=LATENCY_SECONDS)
    set_model_factory(provider.resolved)
    seconds, cpu = await one_run(queue, sm, settings, user, leads)
    ideal = math.ceil(leads / IN_FLIGHT) * LATENCY_SECONDS
    verdict = "OK" if seconds <= TARGET_FACTOR * ideal else "MISSED"
    print(
        f"  latency  {leads} leads, 1 s calls, {IN_FLIGHT} in flight: {seconds:6.2f} s "
        f"(ideal {ideal:.0f} s, x{seconds / ideal:.3f}, target x{TARGET_FACTOR}: {verdict}); "
        f"peak concurrent calls {provider.peak}, calls {provider.calls}, CPU {cpu:.1f} s"
    )


async def throughput_run(
    queue: RunQueue, sm: SessionMaker, settings: Settings, user: User, leads: int
) -> None:
    provider = Provider(latency=0.0)
    set_model_factory(provider.resolved)
    seconds, cpu = await one_run(queue, sm, settings, user, leads)
    rate = leads / seconds
    verdict = "OK" if rate >= 200 else "MISSED"
    print(
        f"  throughput {leads} leads, 0 ms model: {seconds:6.2f} s = {rate:6.1f} leads/s "
        f"per process (target >= 200: {verdict}); CPU {1000 * cpu / leads:.1f} ms per lead"
    )


async def post_overhead(app: Any, sm: SessionMaker, user: User, key: str, *, label: str) -> None:
    set_model_factory(Provider().resolved)
    campaign_id, node_id = await campaign_with_node(app, key, label)
    sessions = await make_sessions(sm, user, campaign_id, node_id, POSTS)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    body = {"leads": [{"first_name": "Ada", "company": "Acme", "position": "CTO"}]}
    times = []
    async with httpx.AsyncClient(transport=transport, base_url="http://b", headers=headers) as c:
        for session_id in sessions:
            url = f"/api/campaigns/ai-chat-sessions/{session_id}/generate-examples"
            t0 = time.perf_counter()
            response = await c.post(url, json=body)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 202, response.text
    q = statistics.quantiles(times, n=100)
    # The target is the API process's overhead (`executor=none`); the embedded shape, where
    # the same process also executes the runs it starts, is reported for information.
    verdict = ("OK" if q[94] < 120 else "MISSED") if label.endswith("none") else "informative"
    print(
        f"  POST generate-examples x{POSTS} ({label}): p50 {q[49]:.1f} ms, "
        f"p95 {q[94]:.1f} ms (target p95 < 120 ms: {verdict})"
    )


async def campaign_with_node(app: Any, key: str, name: str) -> tuple[str, str]:
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://b", headers=headers) as c:
        campaign = (await c.post("/api/campaigns", json={"type": "email", "name": name})).json()
        campaign_id = campaign["campaign"]["id"]
        nodes = await c.post(f"/api/campaigns/{campaign_id}/sequence/nodes", json={"type": "ai"})
        node = next(n for n in nodes.json()["sequence_nodes"] if n["type"] == "ai")
    return campaign_id, node["id"]


async def make_sessions(
    sm: SessionMaker, user: User, campaign_id: str, node_id: str, count: int
) -> list[uuid.UUID]:
    """`count` sessions with the bench skeleton; (user, campaign, node) is unique, so each
    gets an AI node of its own (added straight to the table: the API would renumber)."""
    ids = [uuid.uuid4() for _ in range(count)]
    async with unit_of_work(sm) as session:
        for i, session_id in enumerate(ids):
            node = uuid.UUID(node_id) if i == 0 else await _extra_node(session, campaign_id, i)
            session.add(
                AIChatSession(
                    id=session_id,
                    user_id=user.id,
                    campaign_id=uuid.UUID(campaign_id),
                    node_id=node,
                    skeleton=SKELETON,
                )
            )
    return ids


async def _extra_node(session: AsyncSession, campaign_id: str, position: int) -> uuid.UUID:
    from coldcraft.store.models import SequenceNode

    node = SequenceNode(campaign_id=uuid.UUID(campaign_id), position=100 + position, type="ai")
    session.add(node)
    await session.flush()
    return node.id


async def bench_backend(backend: str, args: argparse.Namespace) -> None:
    print(f"{backend}:")
    with tempfile.TemporaryDirectory() as tmp:
        async with database(backend, Path(tmp)) as url:
            if {"latency", "throughput"} & set(args.parts):
                await bench_runs(url, Path(tmp), args)
            if "posts" in args.parts:
                await bench_posts(url, Path(tmp), executor="embedded")
                await bench_posts(url, Path(tmp), executor="none")


async def bench_runs(url: str, tmp: Path, args: argparse.Namespace) -> None:
    app = create_app(bench_settings(url, tmp / "data"))
    async with app.router.lifespan_context(app):
        sm: SessionMaker = app.state.sessionmaker
        settings: Settings = app.state.settings
        queue: RunQueue = app.state.run_engine
        user, _key = await new_user(sm)
        try:
            set_model_factory(Provider().resolved)
            await one_run(
                queue, sm, settings, user, IN_FLIGHT
            )  # warm-up: queues polled, code loaded
            if "latency" in args.parts:
                await latency_run(queue, sm, settings, user, args.leads)
            if "throughput" in args.parts:
                for _ in range(args.repeat):
                    await throughput_run(queue, sm, settings, user, args.leads)
        finally:
            set_model_factory(None)


async def bench_posts(url: str, tmp: Path, *, executor: str) -> None:
    """`none`: an API process of the distributed shape (runs only enqueued), the overhead
    the target is about; `embedded`: the same process also executes the runs it starts."""
    settings = bench_settings(url, tmp / "data").model_copy(update={"executor": executor})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        sm: SessionMaker = app.state.sessionmaker
        user, key = await new_user(sm)
        try:
            await post_overhead(app, sm, user, key, label=f"executor={executor}")
            if executor == "embedded":
                await drain(sm)
        finally:
            set_model_factory(None)


async def drain(sm: SessionMaker, timeout: float = 120.0) -> None:
    """Wait for the runs the POSTs started and for their workflows (a finisher may still be
    recording its outcome after the run row ended), so the executor stops idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with unit_of_work(sm) as session:
            active = await session.scalar(
                select(func.count()).select_from(Run).where(Run.status.in_(("queued", "running")))
            )
        unfinished = await DBOS.list_workflows_async(
            status=["PENDING", "ENQUEUED"], load_input=False, load_output=False, limit=1
        )
        if not active and not unfinished:
            return
        await asyncio.sleep(0.5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench runs")
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    parser.add_argument("--repeat", type=int, default=1, help="throughput runs per backend")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(bench_backend(backend, args))


if __name__ == "__main__":
    main(sys.argv[1:])
