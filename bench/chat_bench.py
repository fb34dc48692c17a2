"""Chat benchmark: `python -m bench chat [--turns 60] [--rps 100 200 300] [--seconds 5]
[--connections 16] [--backend both]`.

Against a real uvicorn server on 127.0.0.1 (started in this process, on a fresh database),
through httpx over TCP:

- turn overhead: POST generate-content with a 0 ms FunctionModel that submits a passing
  skeleton and then replies (two model requests, the judge, the claim, three short
  transactions): everything a turn costs except the provider. Sequential, spread over
  several AI nodes so sessions carry a realistic history (up to `--turns / nodes` turns).
- session polling: GET /api/campaigns/ai-chat-sessions/{id} (the row clients poll) at a
  fixed arrival rate (open loop, `--rps` for `--seconds`, at most `--connections` in
  flight over keep-alive connections), latency per request measured from its scheduled
  start (so queueing counts), and the process CPU per request (server + client: one loop).

PostgreSQL: a new database on COLDCRAFT_BENCH_POSTGRES_URL (default
postgresql+asyncpg://postgres@127.0.0.1:5432/postgres), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from bench.databases import database
from coldcraft.accounts.service import account_service
from coldcraft.app import create_app
from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel, set_model_factory
from coldcraft.skeletons.seed import SEED_SKELETON
from coldcraft.store.session import unit_of_work

CONNECTIONS = 16  # pollers' keep-alive connections (in-flight cap of the open loop)
AI_NODES = 6
# The seed's skeleton, with an example long enough to carry the chat flow's checks.
SKELETON: dict[str, Any] = SEED_SKELETON | {
    "exampleBody": (
        "Hi Sarah,\n\nMost heads of ops we talk to burn 6+ hours a week chasing onboarding "
        "paperwork by hand, and the backlog grows every time the team hires.\n\nWe helped "
        "Northwind cut that to under an hour with automated checklists and reminders.\n\n"
        "Worth a 10-min chat?\n\nSid"
    ),
}


@dataclass
class Stats:
    label: str
    samples: list[float]
    note: str = ""

    def line(self) -> str:
        ms = sorted(s * 1000 for s in self.samples)
        p50 = statistics.median(ms)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return (
            f"  {self.label:<34} n={len(ms):<5} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"max {ms[-1]:7.1f} ms  {self.note}"
        )


# ---- the 0 ms model -------------------------------------------------------------------------


def zero_ms(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    """Submit the skeleton once per turn, then reply: a turn with two model requests."""
    last = messages[-1]
    if any(isinstance(p, ToolReturnPart) for p in getattr(last, "parts", [])):
        return ModelResponse(parts=[TextPart(content="Here is the framework.")])
    return ModelResponse(parts=[ToolCallPart(tool_name="updateSkeleton", args=SKELETON)])


def install_model() -> None:
    model = ResolvedModel(
        model=FunctionModel(zero_ms, model_name="bench"), name="bench", provider="function",
        reason="bench",
    )  # fmt: skip
    set_model_factory(lambda role, settings: model)


# ---- server and database --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def live_server(
    url: str, data_dir: Path, *, connections: int = CONNECTIONS
) -> AsyncIterator[httpx.AsyncClient]:
    """uvicorn on 127.0.0.1 (this event loop) and a client authenticated as a new account."""
    settings = Settings(
        database_url=url, data_dir=data_dir, secret_key="bench-secret",  # type: ignore[arg-type]
        chat_model="offline", writer_model="offline",
    )  # fmt: skip
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    async with unit_of_work(app.state.sessionmaker) as session:
        _, key = await account_service.create_key(session, email="bench@example.com")
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Bearer {key}"},
            limits=limits,
            timeout=60,
        ) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def ok(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 300:
        raise RuntimeError(f"{response.request.method} {response.request.url}: {response.text}")
    body: dict[str, Any] = response.json()
    return body


async def chat_campaign(client: httpx.AsyncClient) -> tuple[str, list[str]]:
    sender_body = {"type": "email", "first_name": "Sid", "email_address": "sid@bench.example"}
    sender = await ok(await client.post("/api/senders", json=sender_body))
    body = {"type": "email", "name": "chat bench", "sender_account_ids": [sender["sender"]["id"]]}
    campaign = (await ok(await client.post("/api/campaigns", json=body)))["campaign"]
    nodes_url = f"/api/campaigns/{campaign['id']}/sequence/nodes"
    for _ in range(AI_NODES):
        nodes = (await ok(await client.post(nodes_url, json={"type": "ai"})))["sequence_nodes"]
    leads = [
        {"email": f"lead{i}@acme{i}.example", "first_name": f"Lead{i}", "company": f"Acme {i}",
         "position": "Head of Operations", "custom_fields": {"industry": "SaaS"}}
        for i in range(20)
    ]  # fmt: skip
    await ok(await client.post(f"/api/campaigns/{campaign['id']}/leads", json={"prospects": leads}))
    return campaign["id"], [n["id"] for n in nodes if n["type"] == "ai"]


# ---- measurements ---------------------------------------------------------------------------


async def bench_turns(
    client: httpx.AsyncClient, campaign_id: str, nodes: list[str], turns: int
) -> tuple[Stats, str]:
    url = f"/api/campaigns/{campaign_id}/generate-content"
    samples: list[float] = []
    session_id = ""
    for i in range(turns):
        body = {"node_id": nodes[i % len(nodes)], "message": f"turn {i}: make it sharper"}
        started = time.perf_counter()
        reply = await ok(await client.post(url, json=body))
        samples.append(time.perf_counter() - started)
        session_id = reply["session_id"]
    per_session = -(-turns // len(nodes))
    note = f"0 ms model, {len(nodes)} sessions, up to {per_session} turns each"
    return Stats("generate-content turn (no LLM)", samples, note), session_id


async def bench_polling(
    client: httpx.AsyncClient, session_id: str, rps: float, seconds: float, connections: int
) -> Stats:
    url = f"/api/campaigns/ai-chat-sessions/{session_id}"
    total = int(rps * seconds)
    slots = asyncio.Semaphore(connections)
    samples: list[float] = []
    errors = 0

    async def one(scheduled: float) -> None:
        nonlocal errors
        async with slots:
            response = await client.get(url)
        errors += response.status_code != 200
        samples.append(time.perf_counter() - scheduled)

    await client.get(url)  # warm the connection and the statement cache
    cpu = time.process_time()
    start = time.perf_counter() + 0.05
    tasks = []
    for i in range(total):
        scheduled = start + i / rps
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    achieved = total / (time.perf_counter() - start)
    cpu_ms = (time.process_time() - cpu) / total * 1000
    note = (
        f"target {rps:.0f} req/s, achieved {achieved:.0f} req/s, {connections} connections, "
        f"CPU {cpu_ms:.1f} ms/req, errors {errors}"
    )
    return Stats("GET session (poll)", samples, note)


async def run_backend(backend: str, args: argparse.Namespace) -> list[Stats]:
    install_model()
    try:
        async with database(backend) as url:
            with tempfile.TemporaryDirectory() as data_dir:
                async with live_server(url, Path(data_dir), connections=args.connections) as c:
                    campaign_id, nodes = await chat_campaign(c)
                    turns, session_id = await bench_turns(c, campaign_id, nodes, args.turns)
                    polls = [
                        await bench_polling(c, session_id, rps, args.seconds, args.connections)
                        for rps in args.rps
                    ]
                    return [turns, *polls]
    finally:
        set_model_factory(None)


def main(argv: list[str] | None = None) -> None:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["chat"]:  # `python -m bench chat ...`
        args_in = args_in[1:]
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench chat", description=summary)
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--rps", type=float, nargs="+", default=[100.0, 200.0, 300.0])
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(args_in)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        print(f"\n[{backend}]")
        for stats in asyncio.run(run_backend(backend, args)):
            print(stats.line())


if __name__ == "__main__":
    main()
