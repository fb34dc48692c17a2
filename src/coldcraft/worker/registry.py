"""Run kinds: what each domain plugs into the one durable run workflow.

A domain describes its run kind as a subclass of `RunKind` and registers it:

    @register_run_kind("generate-email-examples")
    class GenerateExamples(RunKind[Prepared]):
        async def items(self, session, run) -> list[Item]: ...          # what to do
        async def prepare(self, env, session, run) -> Prepared: ...     # shared read-only data
        async def process(self, env, prepared, item) -> ItemOutcome: ...  # the LLM call
        async def write(self, session, run, item, outcome) -> None: ...  # the write-back

The engine (worker/workflows.py, chunks.py, results.py) owns everything else: it re-checks
the run when it starts (gone or terminal: return), marks it running, computes `items()`
once (a durable step), splits them into chunk workflows on the provider queue (per-run and
provider-wide limits, across all workers), calls `process` for each item with NO database
transaction open, skips items already in `run_items` (the per-item checkpoint), and
commits each outcome in a short transaction: the `run_items` row, the progress counters
and usage, and the kind's `write()` (`run` there is a read-only snapshot). Items are
isolated: an exception in `process` becomes a failed item (`failure()`, with `error: {code,
message}`). It checks `cancel_requested` before each item and, with the last item (or when
a chunk failed), marks the run completed/failed/cancelled, calls `finish()` and releases
the session claim.

`prepare()` runs once per chunk (a short read-only transaction) and its result is passed
to every `process()` call of that chunk: load the skeleton, campaign, sender... there.
`process()` must not hold a transaction across its model call; it may be called again for
the same item after a crash (only what was in flight), never for an item already written.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.store.models import Run

if TYPE_CHECKING:
    from coldcraft.worker.runtime import RunEnv

P = TypeVar("P")
K = TypeVar("K", bound="RunKind[Any]")

# Modules whose import registers a run kind (each domain's tasks.py). Missing ones are skipped
# so a kind can land independently of the others.
KIND_MODULES = (
    "coldcraft.examples.tasks",
    "coldcraft.chat.tasks",
    "coldcraft.messages.tasks",
)


@dataclass(frozen=True)
class Item:
    """One unit of a run's work. `key` is unique within the run (the `run_items` key)."""

    key: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    cost_usd: float = 0.0

    def add(self, other: Usage) -> Usage:
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.requests + other.requests,
            round(self.cost_usd + other.cost_usd, 8),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "requests": self.requests,
            "cost_usd": self.cost_usd,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Usage:
        data = data or {}
        return cls(
            int(data.get("input_tokens") or 0),
            int(data.get("output_tokens") or 0),
            int(data.get("requests") or 0),
            float(data.get("cost_usd") or 0.0),
        )


@dataclass
class ItemOutcome:
    """What `process()` produced: `result` is stored in `run_items` and handed to `write()`."""

    ok: bool
    result: dict[str, Any]
    usage: Usage = field(default_factory=Usage)
    error: dict[str, Any] | None = None  # {code, message} when not ok


class RunKind(Generic[P]):
    """Base class of a run kind; override `items` and `process`, the rest is optional."""

    name: str = ""
    # True: a failed item fails the run (single-item kinds such as a chat turn);
    # False: failed items are reported per item and the run still completes.
    fail_run_on_item_error: bool = False

    async def items(self, session: AsyncSession, run: Run) -> list[Item]:
        raise NotImplementedError

    async def prepare(self, env: RunEnv, session: AsyncSession, run: Run) -> P | None:
        return None

    async def process(self, env: RunEnv, prepared: P, item: Item) -> ItemOutcome:
        raise NotImplementedError

    def failure(self, item: Item, error: dict[str, Any]) -> ItemOutcome:
        """The outcome recorded when `process` raised; `error` is `{code, message}`
        (an `LLMError` keeps its code). Override to give failed items the kind's shape."""
        return ItemOutcome(ok=False, result={"error": error}, error=error)

    async def write(
        self, session: AsyncSession, run: Run, item: Item, outcome: ItemOutcome
    ) -> None:
        return None

    async def finish(self, session: AsyncSession, run: Run) -> None:
        """Called once in the run's final transaction, before the claim is released."""
        return None


_KINDS: dict[str, RunKind[Any]] = {}


def register_run_kind(name: str) -> Callable[[type[K]], type[K]]:
    """Class decorator: instantiate the kind and register it under `name`."""

    def decorate(cls: type[K]) -> type[K]:
        kind = cls()
        kind.name = name
        _KINDS[name] = kind
        return cls

    return decorate


def load_kind_modules() -> None:
    for module in KIND_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def get_run_kind(name: str) -> RunKind[Any]:
    if name not in _KINDS:
        load_kind_modules()
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No run kind registered as {name!r}") from None


def registered_kinds() -> list[str]:
    load_kind_modules()
    return sorted(_KINDS)
