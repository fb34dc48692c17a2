"""The `generate-email-examples` run: one writer call per lead, written back as it completes.

`run.params`: `leads` (the request's lead objects), `lead_ids` (same order), `replace`
(isFirstBatch resolved at request time) and `sequence_context` (or None: computed from the
campaign's sequence). Each finished lead updates `generated_examples` at once: the base
list (empty when replacing, else the session's examples minus this run's lead_ids) plus
this run's items so far, in request order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.examples.inputs import WriterBase, load_writer_base
from coldcraft.examples.repository import ExampleSessionRepository
from coldcraft.llm.errors import LLMError
from coldcraft.llm.writer_agent import WrittenEmail, write_email
from coldcraft.runs.service import run_service
from coldcraft.skeletons.schema import Lead
from coldcraft.store.models import Run
from coldcraft.worker.registry import Item, ItemOutcome, RunKind, Usage, register_run_kind
from coldcraft.worker.runtime import RunEnv

KIND = "generate-email-examples"


def _usage(written: WrittenEmail) -> Usage:
    u = written.usage
    return Usage(u.input_tokens, u.output_tokens, u.requests, u.cost_usd)


def example_item(item: Item, written: WrittenEmail) -> ItemOutcome:
    """The example on the wire; a draft still failing the judge after its repair is an
    item with `error` (code `quality_failed`) and no `body`."""
    result: dict[str, Any] = {
        "lead_id": item.key,
        "lead": item.data["lead"],
        "subject": written.subject,
        "body": written.body,
        "quality": written.quality(),
        "model": written.model,
        "usage": written.usage.wire(),
    }
    if written.passed:
        return ItemOutcome(ok=True, result=result, usage=_usage(written))
    rules = ", ".join(sorted({i.rule for i in written.issues if i.severity == "error"}))
    error = {"code": "quality_failed", "message": f"The draft failed the quality gate ({rules})"}
    del result["body"]
    return ItemOutcome(
        ok=False, result={**result, "error": error}, usage=_usage(written), error=error
    )


def failed_item(item: Item, error: dict[str, Any], model: str | None) -> ItemOutcome:
    result = {
        "lead_id": item.key,
        "lead": item.data["lead"],
        "error": error,
        "model": model,
        "usage": {"input_tokens": 0, "output_tokens": 0, "cost_usd": 0.0},
    }
    return ItemOutcome(ok=False, result=result, error=error)


@register_run_kind(KIND)
class GenerateExamples(RunKind[WriterBase]):
    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        leads, ids = run.params["leads"], run.params["lead_ids"]
        return [
            Item(key, {"index": i, "lead": lead})
            for i, (key, lead) in enumerate(zip(ids, leads, strict=True))
        ]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> WriterBase:
        return await load_writer_base(session, run, env.settings)

    async def process(self, env: RunEnv, prepared: WriterBase, item: Item) -> ItemOutcome:
        model = env.model("writer")
        lead = Lead.model_validate(item.data["lead"])
        try:
            written = await write_email(prepared.input_for(lead), model=model)
        except LLMError as exc:
            return failed_item(item, exc.as_dict(), model.name)
        return example_item(item, written)

    def failure(self, item: Item, error: dict[str, Any]) -> ItemOutcome:
        return failed_item(item, error, None)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        if run.session_id is None:
            return
        chat = await ExampleSessionRepository(session).get_locked(run.session_id)
        if chat is None or chat.task_run_id != run.id:
            return  # the session moved on (deleted, or no longer held by this run)
        mine = set(run.params["lead_ids"])
        base = (
            []
            if run.params.get("replace")
            else [e for e in chat.generated_examples or [] if e.get("lead_id") not in mine]
        )
        order = {key: i for i, key in enumerate(run.params["lead_ids"])}
        results = await run_service.item_results(session, run.id)
        ours = sorted(results, key=lambda r: order.get(str(r.get("lead_id")), len(order)))
        chat.generated_examples = [*base, *ours]
