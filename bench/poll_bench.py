"""Polling benchmark: `python -m bench poll [--rps 100 200 300] [--seconds 10] [--postgres URL]`.

GET /api/campaigns/ai-chat-sessions/{id} (the row clients poll) against a real
`coldcraft serve` in its own process (one uvicorn worker: one core), from an open-loop
client in this process: requests start on a fixed schedule and latency counts from the
scheduled start, so queueing shows. Reports achieved rate, p50/p95/p99, errors and the
server process's CPU per request (from /proc). A failed request (an error status or a
transport error such as a dropped connection) is counted as an error, never fatal.
`--repeat N` runs every rate N times and ends with the median p95 (min-max, n) per rate.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

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


async def _load(url: str, key: str, path: str, rps: float, seconds: float) -> list[float]:
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    headers = {"Authorization": f"Bearer {key}"}
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:

        async def one(scheduled: float) -> None:
            try:
                response = await client.get(path, timeout=30)
            except httpx.TransportError:  # counted, not fatal: the run goes on
                latencies.append(-1.0)
                return
            latencies.append(
                -1.0 if response.status_code != 200 else time.perf_counter() - scheduled
            )

        start = time.perf_counter()
        tasks = []
        for i in range(int(rps * seconds)):
            scheduled = start + i / rps
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            tasks.append(asyncio.create_task(one(scheduled)))
        await asyncio.gather(*tasks)
    return latencies


def _report(rps: float, seconds: float, latencies: list[float], cpu: float) -> float:
    """Print one run's figures; return its p95 (ms)."""
    ok = sorted(x * 1000 for x in latencies if x >= 0)
    errors = len(latencies) - len(ok)
    q = statistics.quantiles(ok, n=100) if len(ok) > 1 else [0.0] * 99
    print(
        f"offered {rps:>5.0f}/s  achieved {len(ok) / seconds:>6.1f}/s  "
        f"p50 {q[49]:6.1f} ms  p95 {q[94]:6.1f} ms  p99 {q[98]:6.1f} ms  errors {errors}  "
        f"server cpu {cpu * 1000 / max(1, len(latencies)):.2f} ms/request",
        flush=True,
    )
    return q[94]


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
                    before = _cpu_seconds(server.pid)
                    latencies = asyncio.run(_load(url, key, path, rps, args.seconds))
                    cpu = _cpu_seconds(server.pid) - before
                    p95s[rps].append(_report(rps, args.seconds, latencies, cpu))
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
