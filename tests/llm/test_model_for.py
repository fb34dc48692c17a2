from __future__ import annotations

from collections.abc import Iterator

import pytest

from coldcraft.config import Settings
from coldcraft.llm import models


@pytest.fixture
def no_factory() -> Iterator[None]:
    saved = models._model_factory
    models.set_model_factory(None)
    yield
    models.set_model_factory(saved)


@pytest.mark.usefixtures("no_factory")
def test_a_process_builds_each_model_once_per_settings() -> None:
    settings = Settings(chat_model="offline", writer_model="offline")
    first = models.model_for("writer", settings)
    assert models.model_for("writer", settings) is first
    assert models.model_for("chat", settings) is not first
    other = Settings(chat_model="offline", writer_model="offline")
    assert models.model_for("writer", other) is not first
