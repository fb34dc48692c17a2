"""The baseline of `python -m bench load`: a bare FastAPI app with one route reading one row.

`GET /rows/{row_id}` reads one `ai_chat_sessions` row by id (the row `GET
/api/campaigns/ai-chat-sessions/{id}` serves) through SQLAlchemy async from the same
database, and returns the columns the API shows as JSON (it reads the whole row, as the
API's ORM does). No auth, no middleware, SQLAlchemy's default pool. The load benchmark
serves it with `uvicorn bench.bare_app:create_app --factory --workers N` (uvicorn's
defaults otherwise) and compares coldcraft's GET session with it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException
from sqlalchemy import MetaData, Table, select
from sqlalchemy.ext.asyncio import create_async_engine

DATABASE_URL_VARIABLE = "COLDCRAFT_BENCH_BARE_DATABASE_URL"
TABLE = "ai_chat_sessions"
PRIVATE = frozenset({"agent_history", "task_claimed_at", "task_run_id"})  # not in the API


def create_app() -> FastAPI:
    engine = create_async_engine(os.environ[DATABASE_URL_VARIABLE])
    metadata = MetaData()
    tables: dict[str, Table] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Reflected, so JSON columns come back decoded, as they do for coldcraft.
        async with engine.connect() as conn:
            await conn.run_sync(metadata.reflect, only=[TABLE])
        tables[TABLE] = metadata.tables[TABLE]
        yield
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/rows/{row_id}")
    async def read_row(row_id: uuid.UUID) -> dict[str, Any]:
        table = tables[TABLE]
        async with engine.connect() as conn:
            row = (await conn.execute(select(table).where(table.c.id == row_id))).first()
        if row is None:
            raise HTTPException(status_code=404)
        return {name: value for name, value in row._mapping.items() if name not in PRIVATE}

    return app
