"""A test run kind that exercises the engine without a model: echo each item back.

Its params (`EchoParams`): `items` (keys), `delay` (seconds per item), `fail` (keys whose
processing raises). Every `process` call is counted in `CALLS` so tests can see
re-requests. `tests/conftest.py` imports this module, so every engine the tests start knows
the kind (`add_run_kind`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.llm.usage import Usage
from coldcraft.runs.kinds import Item, ItemOutcome, RunEnv, RunKind
from coldcraft.store.models import Run
from coldcraft.worker.kinds import add_run_kind

ECHO = "test-echo"
CALLS: Counter[str] = Counter()
WRITES: list[tuple[str, str]] = []


class EchoParams(BaseModel):
    items: list[str] = []
    delay: float = 0.0
    fail: list[str] = []


class Echoed(BaseModel):
    model_config = ConfigDict(extra="allow")

    echo: str


class EchoKind(RunKind[dict[str, Any], EchoParams]):
    name = ECHO
    params_model = EchoParams

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        return [Item(key, {"index": i}) for i, key in enumerate(self.params(run).items)]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> dict[str, Any]:
        return {"run_id": run.id, "params": self.params(run)}

    async def process(self, env: RunEnv, prepared: dict[str, Any], item: Item) -> ItemOutcome:
        params: EchoParams = prepared["params"]
        CALLS[f"{prepared['run_id']}:{item.key}"] += 1
        await asyncio.sleep(params.delay)
        if item.key in params.fail:
            raise RuntimeError(f"scripted failure for {item.key}")
        # Part of the input read from a provider cache, as a real run reports it.
        usage = Usage(
            input_tokens=10, output_tokens=5, cache_read_tokens=6, requests=1, cost_usd=0.001
        )
        return ItemOutcome(ok=True, result=Echoed(echo=item.key, **item.data), usage=usage)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        WRITES.append((run.id, item.key))


add_run_kind(EchoKind())
