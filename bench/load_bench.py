"""Load benchmark: `python -m bench load [--seconds 60] [--pollers 8] [--warmup 5] ...`.

A realistic mix against the distributed shape on PostgreSQL, all on loopback, bounded in
time, run by hand (never in CI):

- a fresh database on COLDCRAFT_BENCH_POSTGRES_URL (default postgres@127.0.0.1:5432),
  created and dropped here;
- `COLDCRAFT_EXECUTOR=none coldcraft serve --workers 2` (API only) plus one
  `coldcraft worker` (executes the runs), writer and chat model `offline` (0 ms), rate
  limiting off;
- beside it, bench/bare_app.py (FastAPI, one route reading one `ai_chat_sessions` row by id
  through SQLAlchemy async, no auth) under `uvicorn --workers 2`, on the same database.

Seed (through the API): one account and key; --sessions campaigns, each with an AI node and
a chat session whose skeleton came from a generate-content turn; one generate-examples run
per session (run to completion: the runs to poll).

The mix, all at once for --seconds after --warmup seconds of the same load (discarded):

| stream | shape | default |
|---|---|---|
| GET session | closed loop, --pollers connections, --think-ms after each answer | 8, 0 ms |
| GET bare row | the same pattern on the bare app, the same session ids | 8, 0 ms |
| GET run | open loop, round robin over the 20 newest runs | 50/s |
| POST /api/skeletons/lint | open loop, the seed skeleton and a sample lead | 10/s |
| POST generate-content | open loop, a random session, one chat turn | 1/s |
| POST generate-examples | open loop, a random session, 5 leads (new runs to poll) | 0.5/s |

Without think time the two closed loops saturate their servers (as wrk does), which is
what a throughput comparison needs: GET session's and the bare row's throughput, measured
in the same window on the same box, and their ratio (target >= 0.5). Both servers then
compete for the same cores, so the ratio is close to the ratio of their CPU per request.
The open loops start on a fixed schedule and their latency counts from the scheduled start,
so queueing shows. Closed-loop latency runs from sending to the last byte; it depends on
--pollers (Little's law), so read GET session's p95 (target < 50 ms) together with the
connection count.

Outcomes: 2xx are successes (percentiles are over these); 5xx and transport failures
(refused, reset, timeout after 30 s) are errors; other statuses, such as the 409 of a
session busy with another turn or an examples run, are counted apart, by status.

The load generator is this process: bench/client.py's minimal HTTP/1.1 keep-alive client on
uvloop (a fraction of httpx's CPU per request, which matters on 2 cores), its heap frozen
before the window; the servers run in their own processes. The report ends with the CPU
each part used in the window (from /proc: the servers, the run worker, this process,
PostgreSQL's backends on the bench database, and the rest of the machine, which shows how
quiet it was) and each API's CPU per request.
Ctrl-C or an error stops every process started here and drops the database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvloop
from sqlalchemy.engine import make_url

from bench.bare_app import DATABASE_URL_VARIABLE
from bench.client import (
    CLIENT_LAG_LIMIT_MS,
    Call,
    Stats,
    closed_loop,
    open_loop,
    post,
    quiet_heap,
)
from bench.databases import database
from coldcraft.demo.server import free_port
from coldcraft.skeletons.seed import SEED_SKELETON

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
MAX_SECONDS = 600.0
RECENT_RUNS = 20
SESSION_P95_TARGET_MS = 50.0
RATIO_TARGET = 0.5
CLK = os.sysconf("SC_CLK_TCK")

SESSION, BARE, RUN, LINT, CONTENT, EXAMPLES = (
    "GET session",
    "GET bare row",
    "GET run",
    "POST lint",
    "POST generate-content",
    "POST generate-examples",
)
CHAT_MESSAGES = (
    "Make the subject line shorter",
    "Mention the onboarding checklist in the opener",
    "Use a softer call to action",
)
LEADS = [  # the leads of one generate-examples request
    {"first_name": name, "company": company, "position": "Head of Operations"}
    for name, company in [
        ("Ada", "Acme"),
        ("Grace", "Globex"),
        ("Alan", "Initech"),
        ("Edsger", "Umbrella"),
        ("Barbara", "Hooli"),
    ]
]


# --- the load ------------------------------------------------------------------------------


@dataclass
class Session:
    id: str
    campaign_id: str
    node_id: str


@dataclass
class Mix:
    """What each stream sends next."""

    api_port: int
    bare_port: int
    key: str
    sessions: list[Session]
    runs: deque[str]
    rng: random.Random = field(default_factory=lambda: random.Random(9))

    def session_get(self, i: int) -> Call:
        chat = self.sessions[i % len(self.sessions)]
        target = f"/api/campaigns/ai-chat-sessions/{chat.id}"
        return Call("GET", target, self.api_port, self.key)

    def bare_get(self, i: int) -> Call:
        chat = self.sessions[i % len(self.sessions)]
        return Call("GET", f"/rows/{chat.id}", self.bare_port, None)

    def run_get(self, i: int) -> Call:
        return Call("GET", f"/api/runs/{self.runs[i % len(self.runs)]}", self.api_port, self.key)

    def lint(self, _i: int) -> Call:
        payload = {"skeleton": SEED_SKELETON, "sample_lead": LEADS[0]}
        return post("/api/skeletons/lint", self.api_port, self.key, payload)

    def content(self, i: int) -> Call:
        chat = self.rng.choice(self.sessions)
        payload = {"node_id": chat.node_id, "message": CHAT_MESSAGES[i % len(CHAT_MESSAGES)]}
        target = f"/api/campaigns/{chat.campaign_id}/generate-content"
        return post(target, self.api_port, self.key, payload)

    def examples(self, _i: int) -> Call:
        chat = self.rng.choice(self.sessions)
        target = f"/api/campaigns/ai-chat-sessions/{chat.id}/generate-examples"
        return post(target, self.api_port, self.key, {"leads": LEADS}, self.started)

    def started(self, body: bytes) -> None:
        """A new run: the GET run stream polls it."""
        self.runs.append(json.loads(body)["runId"])


async def load(mix: Mix, args: argparse.Namespace, seconds: float) -> dict[str, Stats]:
    stats = {name: Stats() for name in (SESSION, BARE, RUN, LINT, CONTENT, EXAMPLES)}
    until, think = time.perf_counter() + seconds, args.think_ms / 1000
    streams = []
    for k in range(args.pollers):  # the same pattern on both apps, started together
        streams.append(closed_loop(mix.api_port, mix.session_get, k, until, think, stats[SESSION]))
        streams.append(closed_loop(mix.bare_port, mix.bare_get, k, until, think, stats[BARE]))
    rates = [
        (RUN, mix.run_get, args.run_rps),
        (LINT, mix.lint, args.lint_rps),
        (CONTENT, mix.content, args.content_rps),
        (EXAMPLES, mix.examples, args.examples_rps),
    ]
    for name, make, rate in rates:
        if rate > 0:
            streams.append(open_loop(mix.api_port, make, rate, seconds, stats[name]))
    await asyncio.gather(*streams)
    return stats


# --- CPU accounting from /proc -------------------------------------------------------------


POSTGRES = "PostgreSQL (this database)"


def group_pids(pgid: int) -> list[int]:
    """Every process in the group (a server and its workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                found.append(int(stat.parent.name))
    return found


def process_cpu(groups: dict[str, int], database: str) -> dict[str, float]:
    """CPU seconds so far of each process group, and of PostgreSQL's backends on `database`
    (its process title names the database)."""
    totals = dict.fromkeys([*groups, POSTGRES], 0.0)
    names = {pgid: name for name, pgid in groups.items()}
    title = f" {database} ".encode()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            name = names.get(int(fields[2]))
            if name is None and title in (stat.parent / "cmdline").read_bytes():
                name = POSTGRES
            if name is not None:
                totals[name] += (int(fields[11]) + int(fields[12])) / CLK
    return totals


def machine_busy() -> float:
    """Busy (not idle, not waiting for I/O) CPU seconds of the whole machine, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(values[:8]) - values[3] - values[4]) / CLK


@dataclass
class Cpu:
    """CPU used in the window by our processes, PostgreSQL's backends and the machine."""

    groups: dict[str, int]
    database: str
    start: dict[str, float] = field(default_factory=dict)
    used: dict[str, float] = field(default_factory=dict)

    def snapshot(self) -> dict[str, float]:
        values = process_cpu(self.groups, self.database)
        values["load generator"] = time.process_time()
        values["machine"] = machine_busy()
        return values

    def begin(self) -> None:
        self.start = self.snapshot()

    def end(self) -> None:
        now = self.snapshot()
        self.used = {name: now[name] - self.start[name] for name in now}


# --- processes -----------------------------------------------------------------------------


@contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    """A server in its own process group, stopped (group and all) on the way out."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the leader (uvicorn stops its workers), then SIGKILL whatever is left of
    the group: after 20 s, or at once on a second Ctrl-C."""
    try:
        proc.terminate()  # a no-op once it has exited
        with suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    finally:
        for pid in group_pids(proc.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


def cli(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "coldcraft.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


async def wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Until `url` answers below 500 (the bare app's 404 for an unknown row counts)."""
    async with httpx.AsyncClient() as client:
        for _ in range(600):
            if proc.poll() is not None:
                raise RuntimeError(f"{url} exited: {log.read_text()[-2000:]}")
            with suppress(httpx.TransportError):
                if (await client.get(url, timeout=1)).status_code < 500:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start: {log.read_text()[-2000:]}")


# --- seed ----------------------------------------------------------------------------------


async def seed(url: str, key: str, count: int) -> tuple[list[Session], list[str]]:
    """`count` sessions with a skeleton, and one finished examples run each."""
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as api:
        sessions = [await new_session(api, i) for i in range(count)]
        runs = []
        for chat in sessions:
            target = f"/api/campaigns/ai-chat-sessions/{chat.id}/generate-examples"
            started = await api.post(target, json={"leads": LEADS})
            runs.append(checked(started, 202)["runId"])
        for run_id in runs:
            await finished(api, run_id)
    return sessions, runs


async def new_session(api: httpx.AsyncClient, i: int) -> Session:
    campaign = checked(
        await api.post("/api/campaigns", json={"type": "email", "name": f"load {i}"})
    )
    campaign_id = campaign["campaign"]["id"]
    added = await api.post(f"/api/campaigns/{campaign_id}/sequence/nodes", json={"type": "ai"})
    node = next(n for n in checked(added)["sequence_nodes"] if n["type"] == "ai")
    message = "A first email for heads of operations about onboarding paperwork"
    turn = await api.post(
        f"/api/campaigns/{campaign_id}/generate-content",
        json={"node_id": node["id"], "message": message},
    )
    reply = checked(turn)
    if reply["skeleton"] is None:  # the offline model composes one; make sure of it
        target = f"/api/campaigns/ai-chat-sessions/{reply['session_id']}"
        checked(await api.patch(target, json={"skeleton": SEED_SKELETON}))
    return Session(reply["session_id"], campaign_id, node["id"])


async def finished(api: httpx.AsyncClient, run_id: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = checked(await api.get(f"/api/runs/{run_id}"))["run"]
        if run["status"] in ("completed", "failed", "cancelled"):
            if run["status"] != "completed":
                raise RuntimeError(f"seed run {run_id} ended {run['status']}: {run.get('error')}")
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"seed run {run_id} did not finish in {timeout:.0f} s")


def checked(response: httpx.Response, status: int | None = None) -> Any:
    if response.status_code >= 300 or (status and response.status_code != status):
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


# --- the run -------------------------------------------------------------------------------


def environment(url: str, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")}
    return env | {
        "COLDCRAFT_DATABASE_URL": url,
        "COLDCRAFT_DATA_DIR": data_dir,
        "COLDCRAFT_SECRET_KEY": secrets.token_hex(32),
        "COLDCRAFT_CHAT_MODEL": "offline",
        "COLDCRAFT_WRITER_MODEL": "offline",
        "COLDCRAFT_RATE_LIMIT_PER_MINUTE": "0",
        DATABASE_URL_VARIABLE: url,
    }


@dataclass
class Servers:
    api: subprocess.Popen[bytes]
    worker: subprocess.Popen[bytes]
    bare: subprocess.Popen[bytes]
    api_port: int
    bare_port: int


def start_servers(stack: ExitStack, env: dict[str, str], logs: Path) -> Servers:
    """The API (2 workers, enqueue only), one run worker and the bare app (2 workers)."""
    api_port, bare_port = free_port(), free_port()
    coldcraft = [sys.executable, "-m", "coldcraft.cli.main"]
    api = [*coldcraft, "serve", "--port", str(api_port), "--workers", str(WORKERS)]
    worker = [*coldcraft, "worker", "--id", "bench-load"]
    bare = [sys.executable, "-m", "uvicorn", "bench.bare_app:create_app", "--factory"]
    bare += ["--port", str(bare_port), "--workers", str(WORKERS)]
    return Servers(
        stack.enter_context(process(api, env | {"COLDCRAFT_EXECUTOR": "none"}, logs / "api.log")),
        stack.enter_context(process(worker, env, logs / "worker.log")),
        stack.enter_context(process(bare, env, logs / "bare.log")),
        api_port,
        bare_port,
    )


async def measure(
    mix: Mix, servers: Servers, url: str, args: argparse.Namespace
) -> tuple[dict[str, Stats], Cpu]:
    if args.warmup > 0:
        say(f"warming up for {args.warmup:g} s (discarded)")
        await load(mix, args, args.warmup)
    quiet_heap()  # the seed's garbage is collected now, not mid-window (bench/client.py)
    groups = {"coldcraft API": servers.api.pid, "coldcraft worker": servers.worker.pid}
    cpu = Cpu(groups | {"bare API": servers.bare.pid}, make_url(url).database or "")
    say(f"measuring for {args.seconds:g} s")
    cpu.begin()
    stats = await load(mix, args, args.seconds)
    cpu.end()
    return stats, cpu


async def bench(args: argparse.Namespace) -> None:
    load_before = os.getloadavg()[0]
    say("creating the database")
    async with database("postgres") as url:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            env, logs = environment(url, tmp), Path(tmp)
            key = (await asyncio.to_thread(cli, env, "keys", "create", "--email", "l@b.io")).strip()
            say("starting the servers")
            servers = start_servers(stack, env, logs)
            api_url = f"http://127.0.0.1:{servers.api_port}"
            await wait_ready(f"{api_url}/healthz", servers.api, logs / "api.log")
            bare_url = f"http://127.0.0.1:{servers.bare_port}/rows/{uuid.uuid4()}"
            await wait_ready(bare_url, servers.bare, logs / "bare.log")
            say(f"seeding {args.sessions} sessions and their runs")
            try:
                sessions, runs = await seed(api_url, key, args.sessions)
            except RuntimeError as exc:
                worker_log = (logs / "worker.log").read_text()[-2000:]
                raise RuntimeError(f"{exc}\nrun worker's log:\n{worker_log}") from exc
            ports = (servers.api_port, servers.bare_port)
            mix = Mix(*ports, key, sessions, deque(runs, maxlen=RECENT_RUNS))
            stats, cpu = await measure(mix, servers, url, args)
            say("stopping the servers, dropping the database")
    report(stats, cpu, args, load_before)


def say(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


# --- report --------------------------------------------------------------------------------


def report(stats: dict[str, Stats], cpu: Cpu, args: argparse.Namespace, load_before: float) -> None:
    seconds, cores = args.seconds, os.cpu_count()
    print(f"\nload: {seconds:g} s, {WORKERS} API workers + 1 run worker, PostgreSQL, loopback")
    print(f"load average when it started: {load_before:.2f} on {cores} cores")
    header = f"{'endpoint':<24}{'mode':<17}{'requests':>9}{'req/s':>9}{'p50 ms':>9}"
    print(header + f"{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  other non-2xx")
    modes = stream_modes(args)
    coldcraft = Stats()
    for name in (SESSION, RUN, LINT, CONTENT, EXAMPLES):
        row(name, modes[name], stats[name], seconds)
        coldcraft.ok_ms += stats[name].ok_ms
        coldcraft.statuses += stats[name].statuses
        coldcraft.transport_errors += stats[name].transport_errors
    row("coldcraft total", "", coldcraft, seconds)
    row(BARE, modes[BARE], stats[BARE], seconds)
    print("(p50/p95/p99 over 2xx answers; in a closed loop, mean latency + think time")
    print(" = connections / req/s)")
    lag = max((stats[name].lag(0.99) for name in (RUN, LINT, CONTENT, EXAMPLES)), default=0.0)
    if lag > CLIENT_LAG_LIMIT_MS:  # NaN (no open-loop request) compares False
        print(f"the client lagged (open loops' p99 send lag {lag:.1f} ms): figures include it")
    verdicts(stats, coldcraft, args)
    usage(cpu, coldcraft.requests, stats[BARE].requests, seconds)


def stream_modes(args: argparse.Namespace) -> dict[str, str]:
    closed = f"closed x{args.pollers}" + (f"/{args.think_ms:g}ms" if args.think_ms else "")
    return {
        SESSION: closed,
        BARE: closed,
        RUN: f"open {args.run_rps:g}/s",
        LINT: f"open {args.lint_rps:g}/s",
        CONTENT: f"open {args.content_rps:g}/s",
        EXAMPLES: f"open {args.examples_rps:g}/s",
    }


def row(name: str, mode: str, stats: Stats, seconds: float) -> None:
    p = [stats.percentile(q) for q in (0.50, 0.95, 0.99)]
    print(
        f"{name:<24}{mode:<17}{stats.requests:>9}{stats.requests / seconds:>9.1f}"
        f"{p[0]:>9.1f}{p[1]:>9.1f}{p[2]:>9.1f}{stats.errors:>8}  {stats.other()}"
    )


def verdicts(stats: dict[str, Stats], coldcraft: Stats, args: argparse.Namespace) -> None:
    session_rate = len(stats[SESSION].ok_ms) / args.seconds
    bare_rate = len(stats[BARE].ok_ms) / args.seconds
    ratio = session_rate / bare_rate if bare_rate else float("nan")
    p95 = stats[SESSION].percentile(0.95)
    requests = coldcraft.requests + stats[BARE].requests
    errors = coldcraft.errors + stats[BARE].errors
    print(
        f"\nGET session vs bare row, 2xx/s in the same window: {session_rate:.1f} / "
        f"{bare_rate:.1f} = {ratio:.2f}  (target >= {RATIO_TARGET}: {ok(ratio >= RATIO_TARGET)})"
    )
    if args.think_ms:
        print("  (with --think-ms the loops may not saturate: the ratio may compare offered loads)")
    print(
        f"GET session p95 with {args.pollers} connections: {p95:.1f} ms  "
        f"(target < {SESSION_P95_TARGET_MS:g} ms: {ok(p95 < SESSION_P95_TARGET_MS)})"
    )
    rate = 100 * errors / max(1, requests)
    print(f"errors (5xx + transport): {errors} of {requests} requests = {rate:.2f} %")


def ok(passed: bool) -> str:
    return "OK" if passed else "MISSED"


def usage(cpu: Cpu, coldcraft_requests: int, bare_requests: int, seconds: float) -> None:
    used = dict(cpu.used)
    rest = used.pop("machine") - sum(used.values())
    parts = [f"{name} {100 * v / seconds:.0f}%" for name, v in used.items()]
    parts.append(f"rest of the machine {100 * rest / seconds:.0f}%")
    print(f"CPU in the window (100% = one of {os.cpu_count()} cores): " + ", ".join(parts))
    per_cc = 1000 * used["coldcraft API"] / max(1, coldcraft_requests)
    per_bare = 1000 * used["bare API"] / max(1, bare_requests)
    print(f"API CPU per request: coldcraft {per_cc:.2f} ms (whole mix), bare {per_bare:.2f} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench load",
        description="A realistic mix against coldcraft (2 API workers + 1 run worker, "
        "PostgreSQL) and a bare FastAPI app in the same window; see bench/load_bench.py.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="measured window")
    parser.add_argument("--warmup", type=float, default=5.0, help="same load first, discarded")
    parser.add_argument("--pollers", type=int, default=8, help="closed-loop connections, each app")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between polls")
    parser.add_argument("--run-rps", type=float, default=50.0, help="GET run per second")
    parser.add_argument("--lint-rps", type=float, default=10.0, help="lint per second")
    parser.add_argument("--content-rps", type=float, default=1.0, help="chat turns per second")
    parser.add_argument("--examples-rps", type=float, default=0.5, help="examples runs/second")
    parser.add_argument("--sessions", type=int, default=20, help="chat sessions seeded")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 < args.seconds <= MAX_SECONDS or not 0 <= args.warmup <= MAX_SECONDS:
        parser.error(f"--seconds and --warmup are bounded to {MAX_SECONDS:g}")
    if args.pollers < 1 or args.sessions < 1:
        parser.error("--pollers and --sessions must be at least 1")
    # Both stop the run through the same cleanup (SIGINT may come in ignored, e.g. from `&`).
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.default_int_handler)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(bench(args))
    except KeyboardInterrupt:
        print("interrupted: servers stopped, database dropped", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
