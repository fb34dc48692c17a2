"""The `generate-ai-messages` run: one AI draft per prospect for one AI node.

- items: the prospects to write, paged through their ids (500 at a time): the run's
  explicit `prospect_ids`, else every prospect without a usable draft for the node. So a
  new run after a killed one only does the rest, and the engine skips the items a
  recovered run already wrote (`run_items`).
- prepare (once per chunk): the writer's shared inputs (coldcraft/writing/), with the
  skeleton snapshotted when the run started.
- process: one short read (the prospect, and its messages for the earlier nodes so a
  follow-up acknowledges them as the prospect received them), closed before the writer
  call; a manually edited draft is skipped without a call. When the campaign researches,
  the prospect's company facts come first (writing/research.py), their cost in the item's.
- write: upsert the draft (source `ai`); a failure is recorded on the row's `error` but
  never replaces a usable draft; edited and non-draft rows are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.messages.repository import MessageRepository
from coldcraft.messages.resolve import is_ai_email
from coldcraft.prospects.service import prospect_service
from coldcraft.runs.kinds import ErrorInfo, Item, ItemOutcome, RunEnv, RunKind
from coldcraft.sequences.service import sequence_service
from coldcraft.skeletons.schema import Skeleton
from coldcraft.store.models import Run
from coldcraft.writing.inputs import Received, WriterContext, load_writer_context
from coldcraft.writing.outcomes import WrittenResult, failed_outcome, write_outcome
from coldcraft.writing.research import lead_research

BATCH = 500


class RewriteFlags(BaseModel):
    """The two params the per-item write needs (read without validating the skeleton)."""

    model_config = ConfigDict(extra="ignore")

    regenerate: bool = False
    replace_edited: bool = False


class GenerateAIParams(BaseModel):
    prospect_ids: list[uuid.UUID] | None = None  # None: every prospect still to write
    skeleton: Skeleton  # the framework as it was when the run started
    framework_version: int | None = None
    # Regenerate: a person's note for the writer, and whether chosen hand edits are replaced.
    instruction: str | None = None
    regenerate: bool = False
    replace_edited: bool = False


class DraftResult(WrittenResult):
    """A prospect's AI draft as the run stores it (`skipped`: left alone, with the reason)."""

    prospect_id: str
    skipped: str | None = None


async def ids_to_write(
    session: AsyncSession,
    campaign_id: uuid.UUID,
    node_id: uuid.UUID,
    *,
    only: Sequence[uuid.UUID] | None,
) -> AsyncIterator[list[uuid.UUID]]:
    """Batches of the prospects a run writes: all of `only`, else those without a usable
    draft for the node (an error-free body or a human edit)."""
    repo = MessageRepository(session)
    async for batch in prospect_service.iter_ids(
        session, campaign_id, prospect_ids=only, batch_size=BATCH
    ):
        if only is None:
            drafted = await repo.drafted(campaign_id, node_id, batch)
            batch = [i for i in batch if i not in drafted]
        if batch:
            yield batch


@dataclass(frozen=True)
class DraftTarget:
    """What the chunk's items share: the node written and the writer's inputs."""

    campaign_id: uuid.UUID
    node_id: uuid.UUID
    with_subject: bool  # an AI email node (a LinkedIn message has no subject)
    writer: WriterContext
    params: GenerateAIParams


class GenerateAIMessages(RunKind[DraftTarget, GenerateAIParams]):
    name = "generate-ai-messages"
    params_model = GenerateAIParams

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        if run.campaign_id is None or run.node_id is None:
            return []
        only = self.params(run).prospect_ids
        items: list[Item] = []
        async for batch in ids_to_write(session, run.campaign_id, run.node_id, only=only):
            items += [Item(str(i)) for i in batch]
        return items

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> DraftTarget:
        if run.campaign_id is None or run.node_id is None:
            raise LookupError("The run's campaign or node is gone")
        params = self.params(run)
        writer = await load_writer_context(
            session,
            user_id=run.user_id,
            campaign_id=run.campaign_id,
            node_id=run.node_id,
            skeleton=params.skeleton,
            settings=env.settings,
        )
        node = await sequence_service.get_node(session, run.campaign_id, run.node_id)
        return DraftTarget(run.campaign_id, run.node_id, is_ai_email(node), writer, params)

    async def process(self, env: RunEnv, prepared: DraftTarget, item: Item) -> ItemOutcome:
        prospect_id = uuid.UUID(item.key)
        async with env.read() as session:  # closed before the model call
            found = await prospect_service.get_many(session, prepared.campaign_id, [prospect_id])
            messages = await MessageRepository(session).for_prospects(
                prepared.campaign_id, [prospect_id]
            )
        if not found:
            return self.failure(item, ErrorInfo(code="not_found", message="Prospect not found"))
        edited = any(m.node_id == prepared.node_id and m.manually_edited for m in messages)
        if edited and not prepared.params.replace_edited:
            result = DraftResult(prospect_id=item.key, skipped="manually_edited")
            return ItemOutcome(ok=True, result=result)
        received: dict[uuid.UUID, Received] = {
            m.node_id: (m.subject, m.body_text) for m in messages
        }
        lead = prospect_service.to_lead(found[0])
        note = prepared.params.instruction
        research = await lead_research(env, lead, enabled=prepared.writer.research)
        request = prepared.writer.request(lead, received, reviewer_note=note, facts=research.facts)
        return await write_outcome(
            request,
            env.model("writer"),
            DraftResult(prospect_id=item.key),
            keep_failed_body=True,
            with_subject=prepared.with_subject,
            spent=research.usage,
        )

    def failure(self, item: Item, error: ErrorInfo) -> ItemOutcome:
        return failed_outcome(DraftResult(prospect_id=item.key), error, None)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        result = outcome.result
        if not isinstance(result, DraftResult) or result.skipped:
            return
        row = message_row(run, item, result)
        flags = RewriteFlags.model_validate(run.params or {})
        try:
            async with session.begin_nested():  # the prospect or node may be gone by now
                await MessageRepository(session).upsert(
                    [row],
                    only_unusable=not outcome.ok,
                    rewrite=flags.regenerate,
                    replace_edited=flags.replace_edited,
                )
        except IntegrityError:
            return


def message_row(run: Run, item: Item, result: DraftResult) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "campaign_id": run.campaign_id,
        "prospect_id": uuid.UUID(item.key),
        "node_id": run.node_id,
        "status": "draft",
        "manually_edited": False,
        "subject": result.subject,
        "body_text": result.body or "",
        "missing_fields": [],
        "source": "ai",
        "model": result.model,
        "quality": _json(result.quality),
        "usage": _json(result.usage),
        "error": _json(result.error),
        "sources": None
        if result.sources is None
        else [s.model_dump(mode="json") for s in result.sources],
    }


def _json(model: BaseModel | None) -> dict[str, Any] | None:
    return None if model is None else model.model_dump(mode="json")
