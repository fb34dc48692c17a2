"""The two DBOS workflows every run kind goes through.

`coldcraft.run` (queue `coldcraft-runs`, workflow id = run id): start step -> one chunk
workflow per slice of items on the provider queue (partition key = run id, so DBOS bounds
the run's parallel chunks by `run_concurrency` and all runs' chunks together by
`provider_max_in_flight`, across every worker) -> enqueue the finisher, and return.

`coldcraft.run_finish` (queue `coldcraft-run-finish`, id `<run id>:finish`): waits for
the chunks, then the finish step (terminal status, claim released).

`coldcraft.run_chunk`: its items one after the other (worker/chunks.py). It has no DBOS
steps: `run_items` is the per-item checkpoint (a DBOS step per item cost more than the
item's own work, see docs/runs.md), so a recovered chunk re-runs and skips what is stored.
"""

from __future__ import annotations

from typing import Any

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID, WorkflowHandleAsync

from coldcraft.worker.chunks import Chunk, ChunkSummary
from coldcraft.worker.config import (
    CHUNK_WORKFLOW,
    FINISH_QUEUE,
    FINISH_WORKFLOW,
    PROVIDER_QUEUE,
    RUN_WORKFLOW,
    finisher_id,
)
from coldcraft.worker.runtime import current_runtime
from coldcraft.worker.steps import RawItem, error_of, finish_run, start_run

RESULT_POLL_SECONDS = 1.0  # a safety net: the last result written finishes the run


@DBOS.workflow(name=RUN_WORKFLOW)
async def run_workflow(run_id: str) -> str:
    """Plan the run, enqueue its chunks and its finisher, and return: the coordinator holds
    a slot of the runs queue only while planning, never while the run executes."""
    rt = current_runtime()
    try:
        plan = await DBOS.run_step_async({"name": "start"}, start_run, rt, run_id)
        chunk_ids = [await _enqueue_chunk(run_id, chunk) for chunk in plan or []]
    except Exception as exc:
        status: str = await DBOS.run_step_async(
            {"name": "finish"}, finish_run, rt, run_id, error_of(exc).model_dump()
        )
        return status
    with SetWorkflowID(finisher_id(run_id)):
        await DBOS.enqueue_workflow_async(FINISH_QUEUE, finish_workflow, run_id, chunk_ids)
    return "started"


async def _enqueue_chunk(run_id: str, chunk: list[RawItem]) -> str:
    with SetEnqueueOptions(queue_partition_key=run_id):
        handle = await DBOS.enqueue_workflow_async(PROVIDER_QUEUE, chunk_workflow, run_id, chunk)
    return handle.get_workflow_id()


@DBOS.workflow(name=FINISH_WORKFLOW)
async def finish_workflow(run_id: str, chunk_ids: list[str]) -> str:
    """Wait for every chunk, then mark the run terminal and release its claim."""
    rt = current_runtime()
    error: dict[str, Any] | None = None
    for chunk_id in chunk_ids:
        try:
            handle: WorkflowHandleAsync[Any] = await DBOS.retrieve_workflow_async(chunk_id)
            await handle.get_result(polling_interval_sec=RESULT_POLL_SECONDS)
        except Exception as exc:
            error = error or error_of(exc).model_dump()
    status: str = await DBOS.run_step_async({"name": "finish"}, finish_run, rt, run_id, error)
    return status


@DBOS.workflow(name=CHUNK_WORKFLOW)
async def chunk_workflow(run_id: str, items: list[RawItem]) -> dict[str, int]:
    rt = current_runtime()
    chunk = await Chunk.load(rt, run_id, [raw["key"] for raw in items])
    if chunk is None:
        return ChunkSummary(stopped=True).as_dict()
    return (await chunk.execute(items)).as_dict()
