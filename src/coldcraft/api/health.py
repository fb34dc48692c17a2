from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


async def _database_ok(request: Request) -> bool:
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


async def _queue_ok(request: Request) -> bool:
    check = getattr(request.app.state, "queue_health", None)
    if check is None:
        return False
    try:
        return bool(await check())
    except Exception:
        return False


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """Liveness and readiness: 503 naming the failing part."""
    database = await _database_ok(request)
    queue = await _queue_ok(request)
    body = {
        "status": "ok" if database and queue else "unavailable",
        "database": "ok" if database else "unavailable",
        "queue": "ok" if queue else "unavailable",
    }
    return JSONResponse(body, status_code=200 if database and queue else 503)
