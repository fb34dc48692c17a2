"""A test run kind that exercises the engine without a model: echo each item back.

`run.params`: `items` (keys), `delay` (seconds per item), `fail` (keys whose processing
raises). Every `process` call is counted in `CALLS` so tests can see re-requests.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.store.models import Run
from coldcraft.worker.registry import Item, ItemOutcome, RunKind, Usage, register_run_kind
from coldcraft.worker.runtime import RunEnv

ECHO = "test-echo"
CALLS: Counter[str] = Counter()
WRITES: list[tuple[str, str]] = []


@register_run_kind(ECHO)
class EchoKind(RunKind[dict[str, Any]]):
    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        return [Item(key, {"index": i}) for i, key in enumerate(run.params["items"])]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> dict[str, Any]:
        return {"run_id": run.id, **run.params}

    async def process(self, env: RunEnv, prepared: dict[str, Any], item: Item) -> ItemOutcome:
        CALLS[f"{prepared['run_id']}:{item.key}"] += 1
        await asyncio.sleep(float(prepared.get("delay", 0)))
        if item.key in prepared.get("fail", []):
            raise RuntimeError(f"scripted failure for {item.key}")
        usage = Usage(input_tokens=10, output_tokens=5, requests=1, cost_usd=0.001)
        return ItemOutcome(ok=True, result={"echo": item.key, **item.data}, usage=usage)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        WRITES.append((run.id, item.key))
