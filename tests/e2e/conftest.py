"""Real processes on PostgreSQL: `coldcraft serve` (enqueue only) and `coldcraft worker`s,
a fake OpenAI-compatible provider on 127.0.0.1, and a database of their own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from coldcraft.store.migrate import upgrade
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def e2e_db() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("COLDCRAFT_TEST_POSTGRES_URL is not set")
    url = _create_postgres_database(POSTGRES_URL)
    upgrade(url)
    yield url
    _drop_postgres_database(url)


@dataclass
class Processes:
    env: dict[str, str]
    logs: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        cmd = [sys.executable, "-m", "coldcraft.cli.main", *args]
        full_env = {**self.env, **env}
        proc = subprocess.Popen(cmd, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        self.running[name] = proc
        return proc

    def kill(self, name: str) -> None:
        proc = self.running.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def stop_all(self) -> None:
        for proc in self.running.values():
            proc.send_signal(signal.SIGTERM)
        for proc in self.running.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.running.clear()

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")}
    env |= {
        "COLDCRAFT_DATA_DIR": str(tmp_path / "data"),
        "COLDCRAFT_SECRET_KEY": "e2e-secret",
        "COLDCRAFT_APP_VERSION": "e2e-1",
        "COLDCRAFT_RUN_QUEUE_POLL_SECONDS": "0.1",
    }
    procs = Processes(env=env, logs=tmp_path)
    yield procs
    procs.stop_all()


def wait_http(base_url: str, *, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base_url} did not come up")


def start_api(processes: Processes, name: str = "api", **env: str) -> str:
    """`coldcraft serve` on a free port; returns its base URL once it answers."""
    port = free_port()
    processes.start(name, "serve", "--port", str(port), **env)
    base = f"http://127.0.0.1:{port}"
    wait_http(base)
    return base


def writer_env(db_url: str, provider_url: str, **extra: str) -> dict[str, str]:
    """Settings for processes on `db_url` whose writer is the fake provider at `provider_url`."""
    return {
        "COLDCRAFT_DATABASE_URL": db_url,
        "COLDCRAFT_WRITER_MODEL": f"openai-compatible:fake@{provider_url}",
        **extra,
    }
