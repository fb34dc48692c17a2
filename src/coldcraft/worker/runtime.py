"""What run code needs at execution time, for this process: settings, database, models.

DBOS workflows are module-level functions run by a process-wide executor, so they find
their database and settings here (set by the engine when it starts) rather than in a
request. `set_model_factory` is the one injection point for models: tests install a
factory returning a pydantic-ai `FunctionModel`; by default `coldcraft.llm.models.
resolve_model(role, settings)` builds the model from settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from coldcraft.config import Settings
from coldcraft.store.session import SessionMaker

if TYPE_CHECKING:
    from coldcraft.llm.models import ResolvedModel

Role = Literal["chat", "writer"]
ModelFactory = Callable[[Role, Settings], "ResolvedModel"]

_model_factory: ModelFactory | None = None
# Models built from settings, per role: one SDK client (and its connection pool) per
# process, not one per lead. Keyed by the Settings object, which the entry is kept with.
_resolved: dict[Role, tuple[Settings, ResolvedModel]] = {}


def set_model_factory(factory: ModelFactory | None) -> None:
    """Install (or, with None, remove) the factory every run uses to get its models."""
    global _model_factory
    _model_factory = factory


def resolve_run_model(role: Role, settings: Settings) -> ResolvedModel:
    if _model_factory is not None:
        return _model_factory(role, settings)
    cached = _resolved.get(role)
    if cached is not None and cached[0] is settings:
        return cached[1]
    from coldcraft.llm.models import resolve_model

    model = resolve_model(role, settings)
    _resolved[role] = (settings, model)
    return model


@dataclass(frozen=True)
class RunEnv:
    """Handed to `RunKind.process`: settings and models, deliberately no database session."""

    settings: Settings

    def model(self, role: Role) -> ResolvedModel:
        return resolve_run_model(role, self.settings)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessionmaker: SessionMaker

    @property
    def env(self) -> RunEnv:
        return RunEnv(self.settings)


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def current_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("The run engine is not started in this process")
    return _runtime
