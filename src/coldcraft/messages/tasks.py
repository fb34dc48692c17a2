"""The `generate-ai-messages` run: one AI draft per prospect for one AI node.

- items: the prospects to write, paged through their ids (500 at a time): the run's
  explicit `prospect_ids`, else every prospect without a usable draft for the node. So a
  new run after a killed one only does the rest, and the engine skips the items a
  recovered run already wrote (`run_items`).
- prepare (once per chunk): what every writer call shares: the skeleton snapshotted when
  the run started, sender, signature, workspace context, judge thresholds, and where the
  node sits in the sequence.
- process: one short read (the prospect, and its messages for the earlier nodes so a
  follow-up acknowledges them: the rendered text of each earlier touch), closed before the
  writer call; a manually edited draft is skipped without a call.
- write: upsert the draft (source `ai`); a failure is recorded on the row's `error` but
  never replaces a usable draft; edited and non-draft rows are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.campaigns.service import campaign_service
from coldcraft.context.service import context_service
from coldcraft.lint.service import judge_settings
from coldcraft.llm.errors import LLMError
from coldcraft.llm.framework_agent import SequenceContext
from coldcraft.llm.writer_agent import WriterInput, WrittenEmail, write_email
from coldcraft.messages.repository import MessageRepository
from coldcraft.messages.resolve import RenderContext, TemplateNode, is_ai_email
from coldcraft.prospects.service import prospect_service
from coldcraft.senders.service import sender_service
from coldcraft.sequences.service import SENDABLE_TYPES, TOUCH_TYPES, sequence_service
from coldcraft.skeletons.judge import JudgeContext, JudgeSettings
from coldcraft.skeletons.schema import CampaignInfo, Lead, Skeleton
from coldcraft.store.models import CampaignProspectMessage, Run, SequenceNode
from coldcraft.store.session import unit_of_work
from coldcraft.worker.registry import Item, ItemOutcome, RunKind, Usage, register_run_kind
from coldcraft.worker.runtime import RunEnv, current_runtime

KIND = "generate-ai-messages"
BATCH = 500


class RunTargetGone(LookupError):
    """The run's campaign, node or owner no longer exists."""


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


# ---- shared inputs -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProspectInput:
    lead: Lead
    prior: list[dict[str, Any]]  # {type, subject, body} of each earlier touch, as rendered
    edited: bool  # this node's draft was edited by hand: leave it


@dataclass(frozen=True)
class WriterBase:
    campaign_id: uuid.UUID
    node: SequenceNode
    skeleton: Skeleton
    render: RenderContext
    campaign_name: str
    workspace_context: dict[str, Any] | None
    judge: JudgeSettings
    position: int
    total: int
    earlier: list[tuple[SequenceNode, TemplateNode | None]]

    def writer_input(self, prospect: ProspectInput) -> WriterInput:
        sequence = SequenceContext(self.position, self.total, prospect.prior)
        return WriterInput(
            skeleton=self.skeleton,
            lead=prospect.lead,
            sender=self.render.sender,
            campaign=self.render.campaign,
            campaign_name=self.campaign_name,
            sequence=sequence,
            workspace_context=self.workspace_context,
            judge=JudgeContext(sequence_position=self.position, settings=self.judge),
        )

    async def load(self, session: AsyncSession, prospect_id: uuid.UUID) -> ProspectInput | None:
        found = await prospect_service.get_many(session, self.campaign_id, [prospect_id])
        if not found:
            return None
        lead = prospect_service.to_lead(found[0])
        messages = await MessageRepository(session).for_prospects(self.campaign_id, [prospect_id])
        by_node = {m.node_id: m for m in messages}
        mine = by_node.get(self.node.id)
        prior = [self._touch(n, t, by_node.get(n.id), lead) for n, t in self.earlier]
        return ProspectInput(lead, prior, edited=bool(mine and mine.manually_edited))

    def _touch(
        self,
        node: SequenceNode,
        template: TemplateNode | None,
        message: CampaignProspectMessage | None,
        lead: Lead,
    ) -> dict[str, Any]:
        """An earlier touch as this prospect got it: its message, else the node rendered
        now (resolve not run yet), else (an unwritten AI touch) just its type."""
        if message is not None and message.body_text:
            return {"type": node.type, "subject": message.subject or "", "body": message.body_text}
        if template is not None:
            row = template.row(self.render.values(lead))
            return {"type": node.type, "subject": row["subject"] or "", "body": row["body_text"]}
        return {"type": node.type, "subject": "", "body": ""}


async def load_writer_base(session: AsyncSession, run: Run, env: RunEnv) -> WriterBase:
    owner = await MessageRepository(session).owner(run.user_id)
    if owner is None or run.campaign_id is None or run.node_id is None:
        raise RunTargetGone("The run's account or campaign is gone")
    campaign = await campaign_service.get_owned(session, owner, run.campaign_id)
    nodes = [
        n for n in await sequence_service.list_nodes(session, campaign.id) if n.type in TOUCH_TYPES
    ]
    position = next((i for i, n in enumerate(nodes) if n.id == run.node_id), None)
    if position is None:
        raise RunTargetGone("The run's AI node is gone")
    context = await context_service.get_context(session, owner)
    sender = await sender_service.campaign_sender(session, campaign)
    earlier = [
        (n, TemplateNode.compile(n) if n.type in SENDABLE_TYPES else None) for n in nodes[:position]
    ]
    return WriterBase(
        campaign_id=campaign.id,
        node=nodes[position],
        skeleton=Skeleton.model_validate(run.params["skeleton"]),
        render=RenderContext(sender, CampaignInfo(signature=campaign.signature)),
        campaign_name=campaign.name,
        workspace_context=context,
        judge=judge_settings(env.settings, context),
        position=position,
        total=len(nodes),
        earlier=earlier,
    )


# ---- outcomes ----------------------------------------------------------------------------


def _usage(written: WrittenEmail) -> Usage:
    u = written.usage
    return Usage(u.input_tokens, u.output_tokens, u.requests, u.cost_usd)


def written_outcome(item: Item, written: WrittenEmail, *, with_subject: bool) -> ItemOutcome:
    """A draft that still fails the judge after its repair keeps its text, with an error
    (`quality_failed`) so launch waits for an edit or a regeneration."""
    result: dict[str, Any] = {
        "prospect_id": item.key,
        "subject": written.subject if with_subject else None,
        "body": written.body,
        "quality": written.quality(),
        "model": written.model,
        "usage": written.usage.wire(),
    }
    if written.passed:
        return ItemOutcome(ok=True, result=result, usage=_usage(written))
    rules = ", ".join(sorted({i.rule for i in written.issues if i.severity == "error"}))
    error = {"code": "quality_failed", "message": f"The draft failed the quality gate ({rules})"}
    return ItemOutcome(
        ok=False, result={**result, "error": error}, usage=_usage(written), error=error
    )


def failed_outcome(item: Item, error: dict[str, Any], model: str | None) -> ItemOutcome:
    result = {"prospect_id": item.key, "error": error, "model": model}
    return ItemOutcome(ok=False, result=result, error=error)


def message_row(run: Run, item: Item, result: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "campaign_id": run.campaign_id,
        "prospect_id": uuid.UUID(item.key),
        "node_id": run.node_id,
        "status": "draft",
        "manually_edited": False,
        "subject": result.get("subject"),
        "body_text": result.get("body") or "",
        "missing_fields": [],
        "source": "ai",
        "model": result.get("model"),
        "quality": result.get("quality"),
        "usage": result.get("usage"),
        "error": result.get("error"),
    }


# ---- the run kind ------------------------------------------------------------------------


@register_run_kind(KIND)
class GenerateAIMessages(RunKind[WriterBase]):
    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        if run.campaign_id is None or run.node_id is None:
            return []
        explicit = run.params.get("prospect_ids")
        only = [uuid.UUID(i) for i in explicit] if explicit else None
        items: list[Item] = []
        async for batch in ids_to_write(session, run.campaign_id, run.node_id, only=only):
            items += [Item(str(i)) for i in batch]
        return items

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> WriterBase:
        return await load_writer_base(session, run, env)

    async def process(self, env: RunEnv, prepared: WriterBase, item: Item) -> ItemOutcome:
        # A short read of its own, finished before the model call.
        async with unit_of_work(current_runtime().sessionmaker) as session:
            prospect = await prepared.load(session, uuid.UUID(item.key))
        if prospect is None:
            return failed_outcome(
                item, {"code": "not_found", "message": "Prospect not found"}, None
            )
        if prospect.edited:
            return ItemOutcome(
                ok=True, result={"prospect_id": item.key, "skipped": "manually_edited"}
            )
        model = env.model("writer")
        try:
            written = await write_email(prepared.writer_input(prospect), model=model)
        except LLMError as exc:
            return failed_outcome(item, exc.as_dict(), model.name)
        with_subject = is_ai_email(prepared.node)
        return written_outcome(item, written, with_subject=with_subject)

    def failure(self, item: Item, error: dict[str, Any]) -> ItemOutcome:
        return failed_outcome(item, error, None)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        if outcome.result.get("skipped"):
            return
        row = message_row(run, item, outcome.result)
        try:
            async with session.begin_nested():  # the prospect or node may be gone by now
                await MessageRepository(session).upsert([row], only_unusable=not outcome.ok)
        except IntegrityError:
            return
