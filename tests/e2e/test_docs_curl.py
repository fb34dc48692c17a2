"""The curl examples in the docs, run exactly as written against a real `coldcraft serve`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from coldcraft.demo.server import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.S)
STARTUP_SECONDS = 60


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COLDCRAFT_")}
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("OPENAI_API_KEY", None)
    return env | {"COLDCRAFT_DATA_DIR": str(data_dir)}


def _cli(*args: str, env: dict[str, str]) -> str:
    command = [sys.executable, "-m", "coldcraft.cli.main", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    env = _env(tmp_path)
    key = _cli("keys", "create", "--email", "docs@example.com", env=env).strip()
    port = free_port()
    command = [sys.executable, "-m", "coldcraft.cli.main", "serve", "--port", str(port)]
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url, key
    finally:
        process.terminate()
        process.wait(timeout=30)
    _assert_no_secrets_logged(log_path.read_text(errors="replace"), key)


def _assert_no_secrets_logged(log: str, key: str) -> None:
    """The server's whole output: JSON access lines, and never a key or a run token. The one
    exception is deliberate: at start `serve` prints the local user's one-time studio
    sign-in link (like a notebook server's token link), for the person who started it."""
    assert '"path": "/api/' in log, log[-2000:]
    assert key not in log
    logged = [line for line in log.splitlines() if not line.startswith("studio: open ")]
    # curl.md reads a run with `?token=<publicAccessToken>`: never in a log line.
    assert not [line for line in logged if "token=" in line]


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "coldcraft serve exited during startup"
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("coldcraft serve did not become healthy")


def test_every_curl_example_in_docs_curl_md_works(server: tuple[str, str]) -> None:
    url, key = server
    blocks = BASH_BLOCK.findall((ROOT / "docs" / "curl.md").read_text())
    script = "set -euo pipefail\n" + "\n".join(blocks)
    result = subprocess.run(
        ["bash", "-c", script],
        env=os.environ | {"API": url, "KEY": key},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + "\n" + result.stderr[-4000:]
    assert '"status":"ok"' in result.stdout.replace(" ", "")


def _readme_tour() -> str:
    """The README's tour minus its first three lines (make a key, serve, export them)."""
    readme = (ROOT / "README.md").read_text()
    tour = readme.split("## A five-minute tour with curl", 1)[1]
    block = BASH_BLOCK.findall(tour)[0]
    return "\n".join(block.splitlines()[3:])


def test_the_readme_tour_works(server: tuple[str, str]) -> None:
    url, key = server
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + _readme_tour()],
        env=os.environ | {"API": url, "KEY": key},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + "\n" + result.stderr[-4000:]
    csv_lines = [line for line in result.stdout.splitlines() if line.startswith("sarah@acme")]
    assert csv_lines, result.stdout[-4000:]
    # The seeded email step is written in the tour: its drafts are not blank.
    assert any("A short follow-up on my last note" in line for line in result.stdout.splitlines())
    assert "event: end" in result.stdout
