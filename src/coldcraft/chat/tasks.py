"""The `framework-chat-turn` run kind: POST .../ai-chat-sessions/{id}/turn, run by a worker.

One item (the turn). `prepare` builds the agent's context in a short read-only transaction,
`process` calls the model with no transaction open, `write` saves the reply exactly as
generate-content does (`persist_turn`). A provider failure fails the item and so the run;
the engine then records `{code, message, run_id}` as the session's `last_error` and
releases the claim.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.chat.context import PreparedTurn, TurnInputs, prepare_turn
from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.chat.turns import TURN_RUN_KIND, TurnOutput, persist_turn, run_turn_model
from coldcraft.errors import NotFound
from coldcraft.store.models import Run
from coldcraft.worker.registry import Item, ItemOutcome, RunKind, Usage, register_run_kind
from coldcraft.worker.runtime import RunEnv

TURN_ITEM = "turn"


@register_run_kind(TURN_RUN_KIND)
class FrameworkChatTurn(RunKind[PreparedTurn | None]):
    fail_run_on_item_error = True

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        return [Item(TURN_ITEM)]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> PreparedTurn | None:
        if run.session_id is None:
            return None
        chat = await ChatSessionRepository(session).get_fresh(run.session_id, lock=False)
        if chat is None:
            return None
        inputs = TurnInputs.from_params(run.params)
        return await prepare_turn(session, chat, inputs, settings=env.settings)

    async def process(self, env: RunEnv, prepared: PreparedTurn | None, item: Item) -> ItemOutcome:
        if prepared is None:
            raise NotFound("Chat session not found")
        output = await run_turn_model(prepared, env.model("chat"), env.settings)
        return ItemOutcome(ok=True, result=output.as_dict(), usage=_run_usage(output.usage))

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        if not outcome.ok or run.session_id is None:
            return  # the failure reaches the session through the run's error
        await persist_turn(
            session, run.session_id, TurnOutput.from_dict(outcome.result), run_id=run.id
        )


def _run_usage(usage: dict[str, Any]) -> Usage:
    return Usage.from_dict(usage)
