"""Model specs, default resolution and `coldcraft models`."""

from __future__ import annotations

import pytest
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.function import FunctionModel
from pydantic_ai.models.openai import OpenAIChatModel

from coldcraft.config import Settings
from coldcraft.llm.models import (
    OFFLINE_NOTE,
    ModelSpec,
    describe_models,
    model_notes,
    parse_spec,
    resolve_model,
)
from coldcraft.llm.retry import RetryingModel


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("offline", ModelSpec("offline")),
        ("anthropic:claude-sonnet-4-6", ModelSpec("anthropic", "claude-sonnet-4-6")),
        ("openai:gpt-4.1-mini", ModelSpec("openai", "gpt-4.1-mini")),
        (
            "openai-compatible:llama3.1:8b@http://127.0.0.1:11434/v1/",
            ModelSpec("openai-compatible", "llama3.1:8b", "http://127.0.0.1:11434/v1"),
        ),
        (" openai:gpt-4.1 ", ModelSpec("openai", "gpt-4.1")),
    ],
)
def test_specs_parse(spec: str, expected: ModelSpec) -> None:
    assert parse_spec(spec) == expected


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "claude",
        "anthropic:",
        "google:gemini",
        "openai-compatible:llama3",
        "openai-compatible:x@ftp://h",
        "openai:gpt 4",
        "OFFLINE:x",
    ],
)
def test_bad_specs_raise_a_clear_value_error(spec: str) -> None:
    with pytest.raises(ValueError, match="openai-compatible:<model>@<base_url>"):
        parse_spec(spec)


def test_no_key_means_offline(llm_settings: Settings) -> None:
    settings = llm_settings.model_copy(update={"chat_model": None, "writer_model": None})
    chat = resolve_model("chat", settings)
    assert chat.name == "offline"
    assert chat.provider == "offline"
    assert chat.reason == "no provider key: offline"
    assert isinstance(chat.model, RetryingModel)
    assert isinstance(chat.model.wrapped, FunctionModel)


def test_an_anthropic_key_picks_sonnet_for_chat_and_haiku_for_the_writer(
    llm_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    settings = llm_settings.model_copy(update={"chat_model": None, "writer_model": None})
    chat, writer = resolve_model("chat", settings), resolve_model("writer", settings)
    assert chat.name == "anthropic:claude-sonnet-4-6"
    assert writer.name == "anthropic:claude-haiku-4-5"
    assert chat.reason == "ANTHROPIC_API_KEY is set"
    assert isinstance(chat.model, RetryingModel)
    inner = chat.model.wrapped
    assert isinstance(inner, AnthropicModel)
    assert inner.client.max_retries == 0
    assert inner.client.timeout == settings.llm_timeout_seconds
    assert chat.model.policy.max_attempts == settings.llm_max_attempts


def test_an_openai_key_picks_gpt(llm_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    settings = llm_settings.model_copy(update={"chat_model": None, "writer_model": None})
    chat, writer = resolve_model("chat", settings), resolve_model("writer", settings)
    assert (chat.name, writer.name) == ("openai:gpt-4.1", "openai:gpt-4.1-mini")
    assert chat.reason == "OPENAI_API_KEY is set"
    inner = chat.model.wrapped  # type: ignore[attr-defined]
    assert isinstance(inner, OpenAIChatModel)
    assert inner.client.max_retries == 0


def test_configured_models_and_overrides_win(
    llm_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    settings = llm_settings.model_copy(update={"writer_model": "anthropic:claude-haiku-5-5"})
    writer = resolve_model("writer", settings)
    assert writer.name == "anthropic:claude-haiku-5-5"
    assert writer.reason == "COLDCRAFT_WRITER_MODEL is set"
    chosen = resolve_model("writer", settings, override="offline")
    assert (chosen.name, chosen.reason) == ("offline", "requested explicitly")


def test_a_provider_spec_without_its_key_is_a_clear_error(llm_settings: Settings) -> None:
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY"):
        resolve_model("chat", llm_settings, override="anthropic:claude-sonnet-4-6")
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        resolve_model("chat", llm_settings, override="openai:gpt-4.1")


def test_describe_models_says_what_and_why(
    llm_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    settings = llm_settings.model_copy(update={"chat_model": None})
    chat, writer, research = describe_models(settings)
    assert (chat.role, chat.name, chat.provider) == ("chat", "openai:gpt-4.1", "openai")
    assert chat.reason == "OPENAI_API_KEY is set"
    assert (writer.role, writer.name, writer.reason) == (
        "writer",
        "offline",
        "COLDCRAFT_WRITER_MODEL is set",
    )
    assert (research.role, research.name, research.reason) == (
        "research",
        "offline",
        "as the writer (COLDCRAFT_WRITER_MODEL is set)",
    )


def test_research_uses_the_writer_s_model_unless_set(
    llm_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An offline writer means offline research; a provider key gives research the writer's
    default model; COLDCRAFT_RESEARCH_MODEL wins."""
    assert resolve_model("research", llm_settings).name == "offline"
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    settings = llm_settings.model_copy(update={"writer_model": None})
    research = resolve_model("research", settings)
    assert (research.name, research.reason) == (
        "anthropic:claude-haiku-4-5",
        "as the writer (ANTHROPIC_API_KEY is set)",
    )
    settings = settings.model_copy(update={"research_model": "offline"})
    research = resolve_model("research", settings)
    assert (research.name, research.reason) == ("offline", "COLDCRAFT_RESEARCH_MODEL is set")


def test_the_models_command_prints_a_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from coldcraft.cli import models as cli

    settings = Settings(chat_model=None, writer_model="anthropic:claude-haiku-4-5")
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    monkeypatch.setenv("COLUMNS", "200")
    cli.models_command()
    out = capsys.readouterr().out
    assert "no provider key: offline" in out
    assert "COLDCRAFT_WRITER_MODEL is set" in out
    assert "anthropic:claude-haiku-4-5" in out
    assert "as the writer (COLDCRAFT_WRITER_MODEL is set)" in out
    assert "web search" in out


def test_the_notes_say_offline_is_a_stand_in(llm_settings: Settings) -> None:
    notes = model_notes(llm_settings.model_copy(update={"chat_model": None, "writer_model": None}))
    assert notes[:2] == [
        "chat model: offline (no provider key: offline)",
        "writer model: offline (no provider key: offline)",
    ]
    assert notes[-1] == OFFLINE_NOTE
    assert "ANTHROPIC_API_KEY" in OFFLINE_NOTE


def test_the_notes_warn_when_a_chosen_provider_has_no_key(llm_settings: Settings) -> None:
    settings = llm_settings.model_copy(
        update={"chat_model": "anthropic:claude-haiku-4-5", "writer_model": "offline"}
    )
    notes = model_notes(settings)
    assert "warning: chat uses anthropic but ANTHROPIC_API_KEY is not set" in notes
    assert not any(n.startswith("warning: writer") for n in notes)
    assert not any(n.startswith("warning: research") for n in notes)
