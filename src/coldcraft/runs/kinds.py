"""Run kinds: what a domain plugs into the one durable run workflow.

A domain describes its run kind as a subclass of `RunKind` with a unique `name` and a typed
`params` model (what the service that starts the run stores in `runs.params`):

    class GenerateExamples(RunKind[WriterContext, ExamplesParams]):
        name = "generate-email-examples"
        params_model = ExamplesParams
        async def items(self, session, run) -> list[Item]: ...          # what to do
        async def prepare(self, env, session, run) -> WriterContext: ... # shared read-only data
        async def process(self, env, prepared, item) -> ItemOutcome: ... # the LLM call
        async def write(self, session, run, item, outcome) -> None: ...  # the write-back

and adds the class to `coldcraft/worker/kinds.py` (an explicit import: the engine knows
every kind at start, and a kind it does not know fails the executor's start).

The engine (worker/) owns everything else: it re-checks the run when it starts (gone or
terminal: return), marks it running, computes `items()` once (a durable step), splits them
into chunk workflows on the provider queue (per-run and provider-wide limits, across all
workers), calls `process` for each item with NO database transaction open, skips items
already in `run_items` (the per-item checkpoint), and commits each outcome in a short
transaction: the `run_items` row, the progress counters and usage, and the kind's `write()`
(`run` there is a read-only snapshot). Items are isolated: an exception in `process`
becomes a failed item (`failure()`). It checks `cancel_requested` before each item and, with
the last item (or when a chunk failed), marks the run completed/failed/cancelled, calls
`finish()` and releases the chat claim.

`prepare()` runs once per chunk (a short read-only transaction) and its result is passed
to every `process()` call of that chunk: load the skeleton, campaign, sender... there.
`process()` must not hold a transaction across its model call (`env.read()` opens a short
one); it may be called again for the same item after a crash (only what was in flight),
never for an item already written.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel, Role, model_for
from coldcraft.llm.usage import Usage
from coldcraft.store.models import Run
from coldcraft.store.session import SessionMaker, reading

P = TypeVar("P")  # what `prepare` returns: shared by the `process` calls of a chunk
ParamsT = TypeVar("ParamsT", bound=BaseModel)

# A run kind's name: lower-case words joined by dashes (it is stored on every run row).
KIND_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


class ErrorInfo(BaseModel):
    """`{code, message}`: why an item or a run failed (an `LLMError` keeps its code)."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str = ""

    @classmethod
    def of(cls, data: Any) -> ErrorInfo:
        """From a stored `{code, message}` (tolerant: a missing code is `internal`)."""
        if isinstance(data, ErrorInfo):
            return data
        found = data if isinstance(data, dict) else {}
        return cls(code=str(found.get("code") or "internal"), message=str(found.get("message", "")))


class FailedItem(BaseModel):
    """The default stored result of a failed item."""

    error: ErrorInfo


@dataclass(frozen=True)
class Item:
    """One unit of a run's work. `key` is unique within the run (the `run_items` key); `data`
    is the kind's own JSON payload (it goes through the durable plan unchanged)."""

    key: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemOutcome:
    """What `process()` produced: `result` is stored in `run_items` (as JSON) and handed to
    `write()`; `error` is set when the item failed."""

    ok: bool
    result: BaseModel
    usage: Usage = field(default_factory=Usage)
    error: ErrorInfo | None = None

    def stored(self) -> dict[str, Any]:
        """The `run_items.result` JSON: the fields the kind set (unset optionals left out)."""
        return self.result.model_dump(mode="json", exclude_unset=True, by_alias=True)


@dataclass(frozen=True)
class RunEnv:
    """Handed to `RunKind.prepare`/`process`: settings, models, and short reads; deliberately
    no open database session."""

    settings: Settings
    sessionmaker: SessionMaker

    def model(self, role: Role) -> ResolvedModel:
        return model_for(role, self.settings)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read of its own (closed before the caller's model call); it takes no
        lock, so a run's reads never wait for another request's write."""
        async with reading(self.sessionmaker) as session:
            yield session


class RunKind(Generic[P, ParamsT]):
    """Base class of a run kind; override `items` and `process`, the rest is optional."""

    name: ClassVar[str] = ""
    params_model: ClassVar[type[BaseModel]]
    # True: a failed item fails the run (single-item kinds such as a chat turn);
    # False: failed items are reported per item and the run still completes.
    fail_run_on_item_error: ClassVar[bool] = False

    def params(self, run: Run) -> ParamsT:
        """The run's typed params (validated from `runs.params`)."""
        return self.params_model.model_validate(run.params or {})  # type: ignore[return-value]

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        raise NotImplementedError

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> P:
        raise NotImplementedError

    async def process(self, env: RunEnv, prepared: P, item: Item) -> ItemOutcome:
        raise NotImplementedError

    def failure(self, item: Item, error: ErrorInfo) -> ItemOutcome:
        """The outcome recorded when `process` raised. Override to give failed items the
        kind's result shape."""
        return ItemOutcome(ok=False, result=FailedItem(error=error), error=error)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        return None

    async def finish(self, session: AsyncSession, run: Run) -> None:
        """Called once in the run's final transaction, before the claim is released."""
        return None


AnyKind = RunKind[Any, Any]


class UnknownRunKind(LookupError):
    """A run names a kind this process does not know (or a kind is misnamed)."""


class RunKinds:
    """The kinds a process executes, by name; built once from an explicit list."""

    def __init__(self, kinds: Iterable[AnyKind]) -> None:
        self._by_name: dict[str, AnyKind] = {}
        for kind in kinds:
            self.add(kind)

    def add(self, kind: AnyKind) -> None:
        name = kind.name
        if not KIND_NAME.fullmatch(name):
            raise UnknownRunKind(
                f"Run kind {type(kind).__name__} has an invalid name {name!r}: "
                "use lower-case words joined by dashes"
            )
        if name in self._by_name and type(self._by_name[name]) is not type(kind):
            raise UnknownRunKind(f"Two run kinds are named {name!r}")
        self._by_name[name] = kind

    def get(self, name: str) -> AnyKind:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(sorted(self._by_name)) or "none"
            raise UnknownRunKind(
                f"Unknown run kind {name!r} (this process knows: {known})"
            ) from None


class RunQueue(Protocol):
    """Where `start_run` hands a recorded run for execution (the DBOS engine implements it).

    `in_transaction`: the queue shares the service's database, so the enqueue commits or
    rolls back with the caller's transaction; otherwise the enqueue must follow the commit.
    """

    @property
    def in_transaction(self) -> bool: ...

    async def enqueue_in_transaction(self, session: AsyncSession, run_id: str) -> None: ...

    async def enqueue(self, run_id: str) -> None: ...
