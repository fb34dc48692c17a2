"""The load generator the HTTP benchmarks share (`bench load`, `bench poll`): a minimal
HTTP/1.1 keep-alive client for uvloop (a fraction of httpx's CPU per request, which matters
on 2 cores where the client shares the machine with the server), open and closed loops,
and the outcomes they count.

The client measures itself, so that a slow client is never read as a slow server:
- `quiet_heap()` before measuring: the benchmarks import coldcraft (about 250,000 objects),
  and a full collection of that heap stalled the client for about 150 ms, which delayed
  every request scheduled meanwhile and showed up as the server's p99 (and, at 300 req/s,
  as a backlog the run never recovered from);
- an open loop records how late each request left the client (`Stats.lag_ms`): latency
  counts from the scheduled start, so a client that falls behind its schedule adds its own
  delay to every figure, and the report says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REQUEST_TIMEOUT = 30.0
IDLE_SECONDS = 2.0  # reconnect before uvicorn's 5 s keep-alive timeout can close under us
CLIENT_LAG_LIMIT_MS = 5.0  # a p99 send lag above this: the figures measure the client too


def quiet_heap() -> None:
    """Take everything imported so far out of the garbage collector's reach (see the
    module doc): only what the load itself allocates is scanned from here on."""
    gc.collect()
    gc.freeze()


class Connection:
    """One keep-alive connection to 127.0.0.1:port; reconnects lazily."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def request(self, head: bytes, body: bytes) -> tuple[int, bytes]:
        reader, writer = self.reader, self.writer
        if reader is None or writer is None or time.monotonic() - self.last_used > IDLE_SECONDS:
            self.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            self.reader, self.writer = reader, writer
        writer.write(head + body)
        raw = await reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        headers = _headers(raw)
        if headers.get(b"transfer-encoding") == b"chunked":
            payload = await _read_chunked(reader)
        else:
            payload = await reader.readexactly(int(headers.get(b"content-length", b"0")))
        self.last_used = time.monotonic()
        if headers.get(b"connection") == b"close":
            self.close()
        return status, payload

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def _headers(raw: bytes) -> dict[bytes, bytes]:
    lines = raw.split(b"\r\n")[1:]
    pairs = (line.split(b":", 1) for line in lines if b":" in line)
    return {name.strip().lower(): value.strip().lower() for name, value in pairs}


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        parts.append(await reader.readexactly(size + 2))
        if size == 0:
            return b"".join(parts)


@dataclass
class Call:
    """One request; `on_ok` sees the body of a 2xx answer."""

    method: str
    target: str
    port: int
    key: str | None
    body: bytes = b""
    on_ok: Callable[[bytes], None] | None = None

    def head(self) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", f"Host: 127.0.0.1:{self.port}"]
        if self.key:
            lines.append(f"Authorization: Bearer {self.key}")
        if self.body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


def post(
    target: str, port: int, key: str, payload: Any, on_ok: Callable[[bytes], None] | None = None
) -> Call:
    return Call("POST", target, port, key, json.dumps(payload).encode(), on_ok)


@dataclass
class Stats:
    ok_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: int = 0
    lag_ms: list[float] = field(default_factory=list)  # open loop: sent this late

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.transport_errors

    @property
    def errors(self) -> int:
        return self.transport_errors + sum(n for s, n in self.statuses.items() if s >= 500)

    def other(self) -> str:
        """Non-2xx statuses that are not errors, e.g. `409:3`."""
        rest = sorted((s, n) for s, n in self.statuses.items() if not 200 <= s < 300 and s < 500)
        return " ".join(f"{s}:{n}" for s, n in rest) or "-"

    def percentile(self, q: float) -> float:
        """Nearest rank over the 2xx latencies, in ms."""
        return _nearest_rank(self.ok_ms, q)

    def lag(self, q: float) -> float:
        """Nearest rank over the open loop's send lags, in ms."""
        return _nearest_rank(self.lag_ms, q)


def _nearest_rank(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(q * len(ordered))) - 1)]


async def timed(conn: Connection, call: Call, started: float, stats: Stats) -> None:
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            status, body = await conn.request(call.head(), call.body)
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        conn.close()  # TimeoutError is an OSError
        stats.transport_errors += 1
        await asyncio.sleep(0.01)  # a server that is gone: no hot loop of refused connects
        return
    stats.statuses[status] += 1
    if 200 <= status < 300:
        stats.ok_ms.append((time.perf_counter() - started) * 1000)
        if call.on_ok is not None:
            call.on_ok(body)


async def closed_loop(
    port: int, make: Callable[[int], Call], offset: int, until: float, think: float, stats: Stats
) -> None:
    """One connection sending until `until`, `think` seconds after each answer."""
    conn, i = Connection(port), offset
    while time.perf_counter() < until:
        await timed(conn, make(i), time.perf_counter(), stats)
        i += 1
        if think:
            await asyncio.sleep(think)
    conn.close()


async def open_loop(
    port: int,
    make: Callable[[int], Call],
    rate: float,
    seconds: float,
    stats: Stats,
    *,
    max_connections: int | None = None,
) -> None:
    """Requests on a fixed schedule; latency counts from the scheduled start, and how late
    each one left its schedule is kept (`Stats.lag_ms`: the client's own delay). With
    `max_connections`, a request due while all are busy waits for one; that wait is the
    server's doing, so it counts in the latency, not in the lag."""
    idle: list[Connection] = []
    free = asyncio.Semaphore(max_connections) if max_connections else contextlib.nullcontext()

    async def one(i: int, scheduled: float) -> None:
        stats.lag_ms.append((time.perf_counter() - scheduled) * 1000)
        async with free:
            conn = idle.pop() if idle else Connection(port)
            await timed(conn, make(i), scheduled, stats)
            idle.append(conn)

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(i, scheduled)))
    await asyncio.gather(*tasks)
    for conn in idle:
        conn.close()
