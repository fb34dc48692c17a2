from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="HTTP worker processes.")] = 1,
) -> None:
    """Run the HTTP API (and, on the embedded default, the run executor) in this process."""
    import uvicorn

    from coldcraft.api.observability import configure_logging
    from coldcraft.cli._async import require_migrated
    from coldcraft.config import get_settings

    require_migrated(get_settings())  # a clear "run `coldcraft db upgrade`", not a traceback
    configure_logging()
    uvicorn.run(
        "coldcraft.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        # Our JSON access log (request id, path without the query string) replaces
        # uvicorn's, whose full URL would carry a run's `?token=`.
        access_log=False,
    )
