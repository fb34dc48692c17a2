"""The `framework-chat-turn` run kind: POST .../ai-chat-sessions/{id}/turn, run by a worker.

One item (the turn). `prepare` builds the agent's context in a short read-only transaction,
`process` calls the model with no transaction open, `write` saves the reply exactly as
generate-content does (`persist_turn`). A provider failure fails the item and so the run;
the engine then records `{code, message, run_id}` as the session's `last_error` and
releases the claim.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.chat.repository import ChatSessionRepository
from coldcraft.chat.turn_context import PreparedTurn, TurnInputs, prepare_turn
from coldcraft.chat.turns import TURN_RUN_KIND, TurnOutput, persist_turn, run_turn_model
from coldcraft.errors import NotFound
from coldcraft.runs.kinds import Item, ItemOutcome, RunEnv, RunKind
from coldcraft.store.models import Run

TURN_ITEM = "turn"


class FrameworkChatTurn(RunKind[PreparedTurn | None, TurnInputs]):
    name = TURN_RUN_KIND
    params_model = TurnInputs
    fail_run_on_item_error = True

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        return [Item(TURN_ITEM)]

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> PreparedTurn | None:
        if run.session_id is None:
            return None
        chat = await ChatSessionRepository(session).get_fresh(run.session_id, lock=False)
        if chat is None:
            return None
        return await prepare_turn(session, chat, self.params(run), settings=env.settings)

    async def process(self, env: RunEnv, prepared: PreparedTurn | None, item: Item) -> ItemOutcome:
        if prepared is None:
            raise NotFound("Chat session not found")
        output = await run_turn_model(prepared, env.model("chat"), env.settings)
        return ItemOutcome(ok=True, result=output, usage=output.usage)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        output = outcome.result
        if not outcome.ok or run.session_id is None or not isinstance(output, TurnOutput):
            return  # the failure reaches the session through the run's error
        await persist_turn(session, run.session_id, output, run_id=run.id)
