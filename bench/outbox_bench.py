"""Outbox benchmark: `python -m bench outbox [--prospects 10000] [--nodes 5] [--backend both]`.

generate_ai: one run writing an AI draft for each of N prospects through the real engine
(DBOS, embedded in the app), with a 0 ms model (the offline writer's FunctionModel with
no latency: the judge, the guards and every database write still run). Time from the
POST to the run's end, and the process's RSS sampled while it runs (at 10%, 50% and 100%
of the items): flat memory means those stay level as the run goes on.

review: on a resolved N x K campaign, the review summary and filtered list pages (p50/p95
over 40 calls each) and one bulk approve of every passing draft.

resolve: one campaign with N prospects and K templated email nodes, resolved through the
HTTP API in process (httpx ASGITransport, so JSON parsing and the response are counted):
the first call (N x K inserts), a second identical call (nothing changes) and a call after
one template changed (N updates). Time per call and the peak of Python allocations during
the call (tracemalloc, in a second pass so the timing runs without its overhead).

contention: while a resolve of N x K runs (POST in the same process, as on one `coldcraft
serve` worker), GET a chat session back to back and report its latency p50/p95/max, and how
many GETs were answered during the resolve. Before reads stopped taking SQLite's write lock
and resolve committed per batch, every GET waited for the whole resolve.

Each backend gets a fresh database: a temporary SQLite file, and a new database on the
PostgreSQL server of COLDCRAFT_BENCH_POSTGRES_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pydantic_ai.models.function import FunctionModel

from bench.databases import database
from coldcraft.accounts.service import account_service
from coldcraft.app import create_app
from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel, set_model_factory
from coldcraft.llm.offline import respond
from coldcraft.store.models import AIChatSession, Run
from coldcraft.store.session import SessionMaker, unit_of_work

BENCH_SKELETON: dict[str, Any] = {
    "subject": "Quick idea for %company|your team%",
    "body": (
        "Hi %first_name|there%,\n\n"
        "&&One plain sentence on a likely onboarding pain for their role at their company.&&\n\n"
        "We help operations teams cut onboarding time in half with a simple checklist tool "
        "that plugs into the apps they already use.\n\nWould a short call next week be useful?"
    ),
    "blocks": [
        {
            "name": "Pain hook",
            "strategy": "Tie a common onboarding pain to their role",
            "personalization": {
                "fields": ["position", "company"],
                "approach": "One sentence",
                "fallback": "Onboarding in general",
            },
        }
    ],
    "exampleSubject": "Quick idea for Acme",
    "exampleBody": "Hi Sarah,\n\nNew hires wait days for accounts.\n\nWe help.",
}
TEMPLATE_SUBJECT = "Step %step% for %company|your team%"
TEMPLATE_BODY = (
    "Hi %first_name|there%,\n\nA note for %company|your team% about %custom_fields.project|"
    "onboarding% (step %step%). As %position%, you know the drill.\n\n%sender_first%\n%signature%"
)


@dataclass
class Measure:
    label: str
    seconds: float
    cpu_seconds: float  # this process only (on PostgreSQL the server's work is not in it)
    peak_mb: float | None = None
    note: str = ""


# ---- databases ------------------------------------------------------------------------


@asynccontextmanager
async def api_client(
    url: str, data_dir: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, SessionMaker, Any]]:
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        secret_key="bench-secret",  # type: ignore[arg-type]
        chat_model="offline",
        writer_model="offline",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        maker: SessionMaker = app.state.sessionmaker
        async with unit_of_work(maker) as session:
            user, key = await account_service.create_key(session, email="bench@example.com")
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", headers=headers, timeout=600
        ) as client:
            yield client, maker, user


# ---- setup ----------------------------------------------------------------------------


def lead(index: int) -> dict[str, Any]:
    row: dict[str, Any] = {
        "email": f"lead{index}@company{index % 997}.example",
        "first_name": f"First{index}",
        "last_name": f"Last{index}",
        "company": f"Company {index % 997}",
        "position": "Head of Operations",
    }
    if index % 7 == 3:
        row.pop("first_name")
    if index % 5 == 0:
        row["custom_fields"] = {"project": f"Project {index}"}
    return row


async def _ok(response: Awaitable[httpx.Response]) -> dict[str, Any]:
    result = await response
    if result.status_code >= 300:
        raise RuntimeError(f"{result.request.method} {result.request.url}: {result.text[:500]}")
    body: dict[str, Any] = result.json()
    return body


async def templated_campaign(client: httpx.AsyncClient, prospects: int, nodes: int) -> str:
    sender = (
        await _ok(
            client.post(
                "/api/senders",
                json={"type": "email", "first_name": "Sam", "email_address": "sam@bench.example"},
            )
        )
    )["sender"]
    body = {
        "type": "email",
        "name": f"bench {uuid.uuid4().hex[:6]}",
        "signature": "Sam, Bench Inc",
        "sender_account_ids": [sender["id"]],
    }
    campaign = (await _ok(client.post("/api/campaigns", json=body)))["campaign"]
    first = campaign["sequence_nodes"][0]["id"]
    content = {
        "subject": TEMPLATE_SUBJECT.replace("%step%", "1"),
        "body": TEMPLATE_BODY.replace("%step%", "1"),
    }
    await _ok(client.put(f"/api/campaigns/{campaign['id']}/sequence/nodes/{first}", json=content))
    for step in range(2, nodes + 1):
        node = {
            "type": "email",
            "subject": TEMPLATE_SUBJECT.replace("%step%", str(step)),
            "body": TEMPLATE_BODY.replace("%step%", str(step)),
        }
        await _ok(client.post(f"/api/campaigns/{campaign['id']}/sequence/nodes", json=node))
    await add_leads(client, campaign["id"], prospects)
    return str(campaign["id"])


async def add_leads(client: httpx.AsyncClient, campaign_id: str, prospects: int) -> None:
    for start in range(0, prospects, 1000):
        chunk = [lead(i) for i in range(start, min(start + 1000, prospects))]
        await _ok(client.post(f"/api/campaigns/{campaign_id}/leads", json={"prospects": chunk}))


async def ai_campaign(
    client: httpx.AsyncClient, maker: SessionMaker, user: Any, prospects: int
) -> tuple[str, str]:
    """A campaign whose AI node has a judge-passing skeleton; N prospects."""
    body = {"type": "email", "name": f"bench ai {uuid.uuid4().hex[:6]}", "signature": "Sam"}
    campaign = (await _ok(client.post("/api/campaigns", json=body)))["campaign"]
    nodes = (
        await _ok(
            client.post(
                f"/api/campaigns/{campaign['id']}/sequence/nodes",
                json={"type": "ai", "position": 0},
            )
        )
    )["sequence_nodes"]
    async with unit_of_work(maker) as session:
        session.add(
            AIChatSession(
                user_id=user.id,
                campaign_id=uuid.UUID(campaign["id"]),
                node_id=uuid.UUID(nodes[0]["id"]),
                skeleton=BENCH_SKELETON,
            )
        )
    await add_leads(client, campaign["id"], prospects)
    return str(campaign["id"]), str(nodes[0]["id"])


def rss_mb() -> float:
    """This process's resident memory now (Linux), else its peak so far."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def wait_run(maker: SessionMaker, run_id: str, samples: list[tuple[int, float]]) -> Run:
    """Poll the run until it ends, sampling (items done, RSS) as it goes."""
    while True:
        async with unit_of_work(maker) as session:
            run = await session.get(Run, run_id)
        if run is not None:
            samples.append((run.progress_done + run.progress_failed, rss_mb()))
            if run.status in ("completed", "failed", "cancelled"):
                return run
        await asyncio.sleep(0.5)


def rss_profile(samples: list[tuple[int, float]], total: int) -> str:
    """RSS when 10%, 50% and 100% of the items were done, and the maximum."""

    def at(share: float) -> float:
        return next((rss for done, rss in samples if done >= share * total), samples[-1][1])

    peak = max(rss for _, rss in samples)
    return f"RSS {at(0.1):.0f} MB @10%, {at(0.5):.0f} @50%, {at(1.0):.0f} @100% (max {peak:.0f})"


async def bench_generate_ai(
    client: httpx.AsyncClient, maker: SessionMaker, user: Any, prospects: int
) -> Measure:
    campaign_id, node_id = await ai_campaign(client, maker, user, prospects)
    path = f"/api/campaigns/{campaign_id}/generate-messages"
    samples: list[tuple[int, float]] = []

    async def generate() -> Run:
        started = await _ok(client.post(path, json={"action": "generate_ai", "node_id": node_id}))
        return await wait_run(maker, started["runId"], samples)

    set_model_factory(
        lambda _role, _settings: ResolvedModel(
            FunctionModel(respond, model_name="zero-ms"), "zero-ms", "test", "bench"
        )
    )
    try:
        measure, run = await timed(f"generate_ai {prospects} prospects", generate, memory=False)
    finally:
        set_model_factory(None)
    rate = prospects / measure.seconds
    counts = f"done={run.progress_done} failed={run.progress_failed}"
    measure.note = f"{run.status} {counts} ({rate:.0f}/s); {rss_profile(samples, prospects)}"
    return measure


# ---- measurements ---------------------------------------------------------------------

REPEAT = 40  # calls per read in the review benchmark


async def timed(
    label: str, call: Callable[[], Awaitable[Any]], *, memory: bool
) -> tuple[Measure, Any]:
    if memory:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    result = await call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = None
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return Measure(label, seconds, cpu, peak), result


async def bench_resolve(
    client: httpx.AsyncClient, prospects: int, nodes: int, *, memory: bool
) -> list[Measure]:
    campaign_id = await templated_campaign(client, prospects, nodes)
    path = f"/api/campaigns/{campaign_id}/generate-messages"

    async def resolve() -> dict[str, Any]:
        return await _ok(client.post(path, json={"action": "resolve"}))

    first, body = await timed(f"resolve {prospects}x{nodes} (insert)", resolve, memory=memory)
    first.note = (
        f"written={body['counts']['written']} total={body['total']} inline={len(body['messages'])}"
    )
    again, body = await timed("resolve again (no change)", resolve, memory=memory)
    again.note = f"written={body['counts']['written']}"
    detail = await _ok(client.get(f"/api/campaigns/{campaign_id}"))
    node_id = detail["sequence_nodes"][0]["id"]
    await _ok(
        client.put(
            f"{path.rsplit('/', 1)[0]}/sequence/nodes/{node_id}",
            json={"body": TEMPLATE_BODY + "\nPS"},
        )
    )
    changed, body = await timed("resolve after 1 template edit", resolve, memory=memory)
    changed.note = f"written={body['counts']['written']}"
    return [first, again, changed]


async def bench_review(client: httpx.AsyncClient, prospects: int, nodes: int) -> list[Measure]:
    """The review on a resolved N x K campaign: the summary, a filtered list page (by the
    flag, and by a missing field: a JSON filter), and one bulk approve of every passing
    draft; p50/p95 over REPEAT calls for the reads."""
    campaign_id = await templated_campaign(client, prospects, nodes)
    path = f"/api/campaigns/{campaign_id}/generate-messages"
    await _ok(client.post(path, json={"action": "resolve"}))
    reads = {
        "review summary": (path + "/summary", {}),
        "list page, flagged": (path, {"status": "all", "flagged": "true", "limit": 50}),
        "list page, missing field": (
            path,
            {"status": "all", "missing_field": "first_name", "limit": 50},
        ),
    }
    measures = []
    for label, (url, params) in reads.items():
        seconds = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            await _ok(client.get(url, params=params))
            seconds.append(time.perf_counter() - started)
        seconds.sort()
        p50, p95 = seconds[len(seconds) // 2], seconds[int(len(seconds) * 0.95) - 1]
        measure = Measure(label, p95, 0.0, None)
        measure.note = f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms over {REPEAT} calls"
        measures.append(measure)

    async def approve_passing() -> dict[str, Any]:
        body = {"action": "approve", "filter": {"flagged": False}}
        return await _ok(client.post(path, json=body))

    bulk, answer = await timed("bulk approve of passing drafts", approve_passing, memory=False)
    bulk.note = f"matched={answer['matched']} changed={answer['changed']}"
    return [*measures, bulk]


async def bench_contention(
    client: httpx.AsyncClient, maker: SessionMaker, user: Any, prospects: int, nodes: int
) -> Measure:
    """GET a chat session again and again while a resolve of N x K runs."""
    campaign_id = await templated_campaign(client, prospects, nodes)
    detail = await _ok(client.get(f"/api/campaigns/{campaign_id}"))
    async with unit_of_work(maker) as session:
        chat = AIChatSession(
            user_id=user.id,
            campaign_id=uuid.UUID(campaign_id),
            node_id=uuid.UUID(detail["sequence_nodes"][0]["id"]),
            skeleton=BENCH_SKELETON,
        )
        session.add(chat)
    chat_path = f"/api/campaigns/ai-chat-sessions/{chat.id}"
    await _ok(client.get(chat_path))
    path = f"/api/campaigns/{campaign_id}/generate-messages"
    resolve = asyncio.create_task(_ok(client.post(path, json={"action": "resolve"})))
    started = time.perf_counter()
    seconds: list[float] = []
    while not resolve.done():
        began = time.perf_counter()
        await _ok(client.get(chat_path))
        seconds.append(time.perf_counter() - began)
    body = await resolve
    total = time.perf_counter() - started
    seconds.sort()
    p50, p95 = seconds[len(seconds) // 2], seconds[max(int(len(seconds) * 0.95) - 1, 0)]
    measure = Measure(f"GET chat during resolve {prospects}x{nodes}", p95, 0.0)
    measure.note = (
        f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms "
        f"over {len(seconds)} GETs; resolve {total:.2f} s written={body['counts']['written']}"
    )
    return measure


@asynccontextmanager
async def fresh_app(backend: str) -> AsyncIterator[tuple[httpx.AsyncClient, SessionMaker, Any]]:
    async with database(backend) as url:
        with tempfile.TemporaryDirectory() as data_dir:
            async with api_client(url, Path(data_dir)) as app:
                yield app


async def run_backend(backend: str, args: argparse.Namespace) -> None:
    print(f"\n[{backend}]", flush=True)
    if "resolve" in args.only:
        async with fresh_app(backend) as (client, _maker, _user):
            measures = await bench_resolve(client, args.prospects, args.nodes, memory=False)
        if not args.no_memory:  # again under tracemalloc, for the peaks only
            async with fresh_app(backend) as (client, _maker, _user):
                peaks = await bench_resolve(client, args.prospects, args.nodes, memory=True)
            for timing, mem in zip(measures, peaks, strict=True):
                timing.peak_mb = mem.peak_mb
        for measure in measures:
            report(measure)
    if "generate_ai" in args.only:
        async with fresh_app(backend) as (client, maker, user):
            report(await bench_generate_ai(client, maker, user, args.ai_prospects))
    if "contention" in args.only:
        async with fresh_app(backend) as (client, maker, user):
            report(await bench_contention(client, maker, user, args.prospects, args.nodes))
    if "review" in args.only:
        async with fresh_app(backend) as (client, _maker, _user):
            for measure in await bench_review(client, args.prospects, args.nodes):
                report(measure)


def report(m: Measure) -> None:
    peak = f"{m.peak_mb:6.1f} MB" if m.peak_mb is not None else "     -"
    line = f"  {m.label:<34} {m.seconds:7.2f} s (cpu {m.cpu_seconds:6.2f} s) peak {peak} {m.note}"
    print(line, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench outbox", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--prospects", type=int, default=10_000)
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--ai-prospects", type=int, default=10_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["resolve", "generate_ai", "review", "contention"],
        default=["resolve", "generate_ai", "review", "contention"],
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip resolve's second (tracemalloc) pass"
    )
    if argv is None:  # `python -m bench outbox` leaves the bench's name in argv
        argv = [arg for arg in sys.argv[1:] if arg != "outbox"]
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        asyncio.run(run_backend(backend, args))


if __name__ == "__main__":
    main()
