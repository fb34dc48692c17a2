"""The API on the embedded defaults, served from a background thread on a loopback port."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from coldcraft.app import create_app
from coldcraft.config import Settings

STARTUP_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EmbeddedServer:
    """`with EmbeddedServer(settings) as url:` — the whole service (API + run executor)."""

    def __init__(self, settings: Settings, *, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="coldcraft-demo", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded API server did not start")
            time.sleep(0.05)
        return self.url

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
