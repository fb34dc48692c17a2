"""Polling benchmark: `python -m bench poll [--rps 100 200 300] [--seconds 10] [--postgres URL]`.

GET /api/campaigns/ai-chat-sessions/{id} (the row clients poll) against a real
`coldcraft serve` in its own process (one uvicorn worker: one core), from an open-loop
client in this process (bench/client.py: a minimal HTTP/1.1 client on uvloop, 32 keep-alive
connections at most, its heap frozen before measuring): requests start on a fixed schedule
and latency counts from the scheduled start, so queueing shows. Reports achieved rate,
p50/p95/p99, errors, the server process's CPU per request (from /proc), and the client's
own CPU per request and p99 send lag: when the client left requests late, the figures
include its delay, and the line says so. A failed request (an error status or a transport
error such as a dropped connection) is counted as an error, never fatal. `--repeat N` runs
every rate N times and ends with the median p95 (min-max, n) per rate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import uvloop

from bench.client import CLIENT_LAG_LIMIT_MS, Call, Stats, open_loop, quiet_heap
from coldcraft.demo.server import free_port

CONNECTIONS = 32


def _cli(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "coldcraft.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _session_id(url: str, key: str) -> str:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as api:
        campaign = api.post("/api/campaigns", json={"type": "email", "name": "poll"}).json()
        nodes = api.post(
            f"/api/campaigns/{campaign['campaign']['id']}/sequence/nodes", json={"type": "ai"}
        ).json()["sequence_nodes"]
        node = next(n for n in nodes if n["type"] == "ai")
        reply = api.post(
            f"/api/campaigns/{campaign['campaign']['id']}/generate-content",
            json={"node_id": node["id"], "message": "A first email for ops leaders about glue"},
            timeout=60,
        ).json()
        return str(reply["session_id"])


async def _load(port: int, key: str, path: str, rps: float, seconds: float) -> Stats:
    stats = Stats()
    call = Call("GET", path, port, key)
    await open_loop(port, lambda _i: call, rps, seconds, stats, max_connections=CONNECTIONS)
    return stats


def _report(
    rps: float, seconds: float, stats: Stats, server_cpu: float, client_cpu: float
) -> float:
    """Print one run's figures; return its p95 (ms). Any answer but a 2xx is a failure."""
    requests = max(1, stats.requests)
    failed = stats.requests - len(stats.ok_ms)
    lag = stats.lag(0.99)
    lagged = "  (the client lagged: these figures include its delay)"
    print(
        f"offered {rps:>5.0f}/s  achieved {len(stats.ok_ms) / seconds:>6.1f}/s  "
        f"p50 {stats.percentile(0.50):6.1f} ms  p95 {stats.percentile(0.95):6.1f} ms  "
        f"p99 {stats.percentile(0.99):6.1f} ms  errors {failed}  "
        f"server cpu {server_cpu * 1000 / requests:.2f} ms/request  "
        f"client cpu {client_cpu * 1000 / requests:.2f} ms/request, p99 send lag {lag:.1f} ms"
        + (lagged if lag > CLIENT_LAG_LIMIT_MS else ""),
        flush=True,
    )
    return stats.percentile(0.95)


def _summary(p95s: dict[float, list[float]]) -> None:
    for rps, values in p95s.items():
        print(
            f"offered {rps:>5.0f}/s  p95 median {statistics.median(values):6.1f} ms "
            f"(min {min(values):.1f}, max {max(values):.1f}, n={len(values)})"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench poll")
    parser.add_argument("--rps", type=float, nargs="+", default=[100.0, 200.0, 300.0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--postgres", help="a postgresql+asyncpg:// URL (default: SQLite)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per rate (median, min-max)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")}
        env |= {"COLDCRAFT_DATA_DIR": data_dir, "COLDCRAFT_CHAT_MODEL": "offline"}
        if args.postgres:
            env["COLDCRAFT_DATABASE_URL"] = args.postgres
            _cli(env, "db", "upgrade")
        key = _cli(env, "keys", "create", "--email", "poll@example.com").strip()
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "coldcraft.cli.main", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait(url)
            path = f"/api/campaigns/ai-chat-sessions/{_session_id(url, key)}"
            p95s: dict[float, list[float]] = {rps: [] for rps in args.rps}
            for _ in range(args.repeat):
                for rps in args.rps:
                    quiet_heap()
                    before, client_before = _cpu_seconds(server.pid), time.process_time()
                    load = _load(port, key, path, rps, args.seconds)
                    stats = uvloop.run(load)
                    server_cpu = _cpu_seconds(server.pid) - before
                    client_cpu = time.process_time() - client_before
                    p95s[rps].append(_report(rps, args.seconds, stats, server_cpu, client_cpu))
            if args.repeat > 1:
                _summary(p95s)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("server did not start")


if __name__ == "__main__":
    main()
