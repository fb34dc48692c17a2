"""What run code needs at execution time, for this process: settings, database, run kinds.

DBOS workflows are module-level functions run by a process-wide executor, so they find
their database, settings and kinds here (set by the engine when it starts) rather than in a
request. Models come from `coldcraft.llm.models.model_for` (its `set_model_factory` is the
one injection point).
"""

from __future__ import annotations

from dataclasses import dataclass

from coldcraft.config import Settings
from coldcraft.runs.kinds import RunEnv, RunKinds
from coldcraft.store.session import SessionMaker


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessionmaker: SessionMaker
    kinds: RunKinds

    @property
    def env(self) -> RunEnv:
        return RunEnv(self.settings, self.sessionmaker)


_runtime: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def current_runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("The run engine is not started in this process")
    return _runtime
