from __future__ import annotations

from collections.abc import Iterator

import pytest

from coldcraft.config import Settings
from coldcraft.worker import runtime


@pytest.fixture
def no_factory() -> Iterator[None]:
    saved = runtime._model_factory
    runtime.set_model_factory(None)
    yield
    runtime.set_model_factory(saved)


@pytest.mark.usefixtures("no_factory")
def test_a_process_builds_each_model_once_per_settings() -> None:
    settings = Settings(chat_model="offline", writer_model="offline")
    first = runtime.resolve_run_model("writer", settings)
    assert runtime.resolve_run_model("writer", settings) is first
    assert runtime.resolve_run_model("chat", settings) is not first
    other = Settings(chat_model="offline", writer_model="offline")
    assert runtime.resolve_run_model("writer", other) is not first
