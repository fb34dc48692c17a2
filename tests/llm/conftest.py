"""LLM tests never call a real provider: model requests are off except against the local fakes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic_ai import models

from coldcraft.config import Settings
from tests.llm.fake_providers import FakeProvider, fake_anthropic, fake_openai

models.ALLOW_MODEL_REQUESTS = False

PROVIDER_ENV = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_COMPATIBLE_API_KEY",
)


@pytest.fixture(autouse=True)
def _no_provider_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without provider keys, whatever the developer's shell has."""
    for name in PROVIDER_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def llm_settings(tmp_path: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        chat_model="offline",
        writer_model="offline",
        llm_max_attempts=3,
        llm_timeout_seconds=5.0,
        llm_retry_base_delay_seconds=0.001,
        llm_retry_max_delay_seconds=0.01,
    )


@pytest.fixture
def allow_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real model classes may send requests (only ever to the local fake servers)."""
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", True)


@pytest.fixture(scope="session")
def _anthropic_server() -> Iterator[FakeProvider]:
    with fake_anthropic() as fake:
        yield fake


@pytest.fixture(scope="session")
def _openai_server() -> Iterator[FakeProvider]:
    with fake_openai() as fake:
        yield fake


@pytest.fixture
def anthropic_fake(
    _anthropic_server: FakeProvider, monkeypatch: pytest.MonkeyPatch, allow_requests: None
) -> Iterator[FakeProvider]:
    """The fake Anthropic API, emptied, with the env pointing the SDK at it."""
    _anthropic_server.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", _anthropic_server.base_url)
    yield _anthropic_server
    _anthropic_server.reset()


@pytest.fixture
def openai_fake(
    _openai_server: FakeProvider, monkeypatch: pytest.MonkeyPatch, allow_requests: None
) -> Iterator[FakeProvider]:
    """The fake OpenAI API, emptied, with the env pointing the SDK at it."""
    _openai_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", _openai_server.base_url)
    yield _openai_server
    _openai_server.reset()
