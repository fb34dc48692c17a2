"""Every run kind this process executes, by explicit import (no registration by side effect).

To add a run kind: write its `RunKind` subclass in the domain's `tasks.py` (copy
`coldcraft/examples/tasks.py`) and add the class to `BUILTIN_KINDS` below. A kind with a
missing or malformed name, or two kinds with one name, fail the executor's start with a
message naming them; a run whose kind this process does not know fails with
`Unknown run kind ...`.
"""

from __future__ import annotations

from coldcraft.chat.tasks import FrameworkChatTurn
from coldcraft.examples.tasks import GenerateExamples
from coldcraft.messages.tasks import GenerateAIMessages
from coldcraft.runs.kinds import AnyKind, RunKinds

BUILTIN_KINDS: tuple[type[AnyKind], ...] = (FrameworkChatTurn, GenerateExamples, GenerateAIMessages)

# Kinds added at run time by tests and benchmarks (`add_run_kind`), before an engine starts.
_extra_kinds: list[AnyKind] = []


def add_run_kind(kind: AnyKind) -> AnyKind:
    """Execute `kind` too in every engine started after this call (tests, benchmarks)."""
    _extra_kinds.append(kind)
    return kind


def run_kinds() -> RunKinds:
    """The kinds an engine starts with; raises `UnknownRunKind` for a misnamed kind."""
    return RunKinds([*(kind() for kind in BUILTIN_KINDS), *_extra_kinds])
