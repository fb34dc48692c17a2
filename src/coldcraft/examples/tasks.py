"""The `generate-email-examples` run: one writer call per lead, written back as it completes.

Its params (`ExamplesParams`): the request's lead objects and their `lead_ids` (same
order), `replace` (isFirstBatch resolved at request time) and the client's
`sequence_context` (None: computed from the campaign's sequence). The writer's inputs and
outcomes are the outbox's (coldcraft/writing/): an example is the draft that lead would
get. Each finished lead updates the session's `generated_examples` at once: the earlier
examples (none when replacing, else all but this run's leads) plus this run's items so far,
in request order.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.chat.schemas import GeneratedExample
from coldcraft.chat.service import chat_service
from coldcraft.examples.schemas import SequenceContextIn
from coldcraft.runs.kinds import ErrorInfo, Item, ItemOutcome, RunEnv, RunKind
from coldcraft.runs.service import run_service
from coldcraft.skeletons.schema import Lead, Skeleton
from coldcraft.store.models import Run
from coldcraft.writing.inputs import GivenSequence, WriterContext, load_writer_context
from coldcraft.writing.outcomes import failed_outcome, write_outcome
from coldcraft.writing.research import lead_research


class ExamplesParams(BaseModel):
    leads: list[Lead]
    lead_ids: list[str]
    replace: bool
    sequence_context: SequenceContextIn | None = None

    def given_sequence(self) -> GivenSequence | None:
        given = self.sequence_context
        if given is None:
            return None
        prior = (
            None
            if given.prior_nodes is None
            else [node.model_dump(exclude_none=True) for node in given.prior_nodes]
        )
        return GivenSequence(given.position, given.total_nodes, prior)


class GenerateExamples(RunKind[WriterContext, ExamplesParams]):
    name = "generate-email-examples"
    params_model = ExamplesParams

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        params = self.params(run)
        return [
            Item(key, {"index": i, "lead": lead.model_dump(mode="json", exclude_unset=True)})
            for i, (key, lead) in enumerate(zip(params.lead_ids, params.leads, strict=True))
        ]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> WriterContext:
        chat = await chat_service.for_run(session, run.session_id)
        if chat is None or not chat.skeleton:
            raise LookupError("The chat session or its framework is gone")
        return await load_writer_context(
            session,
            user_id=run.user_id,
            campaign_id=chat.campaign_id,
            node_id=chat.node_id,
            skeleton=Skeleton.model_validate(chat.skeleton),
            settings=env.settings,
            given=self.params(run).given_sequence(),
        )

    async def process(self, env: RunEnv, prepared: WriterContext, item: Item) -> ItemOutcome:
        lead = Lead.model_validate(item.data["lead"])
        research = await lead_research(env, lead, enabled=prepared.research)
        return await write_outcome(
            prepared.request(lead, facts=research.facts),
            env.model("writer"),
            _identity(item),
            keep_failed_body=False,
            zero_usage_on_failure=True,
            spent=research.usage,
        )

    def failure(self, item: Item, error: ErrorInfo) -> ItemOutcome:
        return failed_outcome(_identity(item), error, None, zero_usage=True)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        if run.session_id is None:
            return
        params = self.params(run)
        written = await run_service.item_results(session, run.id, GeneratedExample)
        await chat_service.record_examples(
            session,
            run.session_id,
            run_id=run.id,
            lead_ids=params.lead_ids,
            written=written,
            replace=params.replace,
        )


def _identity(item: Item) -> GeneratedExample:
    return GeneratedExample(lead_id=item.key, lead=Lead.model_validate(item.data["lead"]))
