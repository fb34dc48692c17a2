"""Chat test fixtures: the one model injection point (`set_model_factory`), scripted models."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pydantic_ai import models
from pydantic_ai.messages import ModelMessage, ModelResponse
from pydantic_ai.models.function import AgentInfo

from coldcraft.config import Settings
from coldcraft.llm.models import ResolvedModel, set_model_factory
from tests.llm.scripted import resolved

models.ALLOW_MODEL_REQUESTS = False

Step = Callable[[list[ModelMessage], AgentInfo], ModelResponse]
UseModel = Callable[[ResolvedModel], None]


@pytest.fixture
def use_model() -> Iterator[UseModel]:
    """Install a model for the chat role (sync turns and runs alike); offline again after."""

    def install(model: ResolvedModel) -> None:
        def factory(role: str, settings: Settings) -> ResolvedModel:
            return model

        set_model_factory(factory)

    yield install
    set_model_factory(None)


@pytest.fixture
def use_script(use_model: UseModel) -> Callable[..., None]:
    """Install a scripted FunctionModel (wrapped in the real retry wrapper, no sleeping)."""

    def install(step: Step, *, attempts: int = 3) -> None:
        use_model(resolved(step, attempts=attempts))

    return install
