"""The one place that builds LLM models from settings.

Spec strings: `anthropic:<model>`, `openai:<model>`, `openai-compatible:<model>@<base_url>`
(Ollama, vLLM, llama.cpp...), or `offline`. Without a configured spec: Anthropic when
`ANTHROPIC_API_KEY` is set, else OpenAI when `OPENAI_API_KEY` is set, else `offline`.
SDK clients never retry on their own (`max_retries=0`); every model is wrapped in
`RetryingModel`, which owns the attempt budget (`llm_max_attempts`).

`model_for(role, settings)` is what the service asks for a model; `set_model_factory` is the
one injection point (tests install a factory returning a pydantic-ai `FunctionModel`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic_ai.models import Model

from coldcraft.config import Settings
from coldcraft.llm.offline import offline_model
from coldcraft.llm.retry import RetryingModel, RetryPolicy

Role = Literal["chat", "writer", "research"]
Provider = Literal["anthropic", "openai", "openai-compatible", "offline"]

DEFAULT_MODELS: dict[str, dict[Role, str]] = {
    "anthropic": {
        "chat": "claude-sonnet-4-6",
        "writer": "claude-haiku-4-5",
        "research": "claude-haiku-4-5",
    },
    "openai": {"chat": "gpt-4.1", "writer": "gpt-4.1-mini", "research": "gpt-4.1-mini"},
}
MAX_TOKENS: dict[Role, int] = {"chat": 4096, "writer": 1500, "research": 1500}
COMPATIBLE_KEY_ENV = "OPENAI_COMPATIBLE_API_KEY"
_SPEC_HELP = (
    "use 'anthropic:<model>', 'openai:<model>', 'openai-compatible:<model>@<base_url>' or 'offline'"
)
_COMPATIBLE = re.compile(r"^(?P<model>[^@\s]+)@(?P<url>https?://\S+)$")


@dataclass(frozen=True)
class ModelSpec:
    provider: Provider
    model_name: str = ""
    base_url: str | None = None

    @property
    def name(self) -> str:
        if self.provider == "offline":
            return "offline"
        if self.provider == "openai-compatible":
            return f"openai-compatible:{self.model_name}@{self.base_url}"
        return f"{self.provider}:{self.model_name}"


@dataclass(frozen=True)
class ResolvedModel:
    model: Model
    name: str  # e.g. "anthropic:claude-sonnet-4-5" or "offline"
    provider: str
    reason: str


@dataclass(frozen=True)
class ModelDescription:
    role: Role
    name: str
    provider: str
    reason: str
    base_url: str | None = None


def parse_spec(spec: str) -> ModelSpec:
    """Parse a model spec string; a bad spec raises `ValueError` saying what is accepted."""
    text = spec.strip()
    if text == "offline":
        return ModelSpec("offline")
    provider, sep, rest = text.partition(":")
    rest = rest.strip()
    if not sep or not rest:
        raise ValueError(f"Invalid model spec {spec!r}: {_SPEC_HELP}.")
    if provider in ("anthropic", "openai"):
        if "@" in rest or any(c.isspace() for c in rest):
            raise ValueError(f"Invalid model name in {spec!r}: {_SPEC_HELP}.")
        return ModelSpec("anthropic" if provider == "anthropic" else "openai", rest)
    if provider == "openai-compatible":
        match = _COMPATIBLE.match(rest)
        if not match:
            raise ValueError(
                f"Invalid model spec {spec!r}: expected 'openai-compatible:<model>@<base_url>', "
                "e.g. 'openai-compatible:llama3.1@http://127.0.0.1:11434/v1'."
            )
        return ModelSpec("openai-compatible", match["model"], match["url"].rstrip("/"))
    raise ValueError(f"Unknown model provider {provider!r} in {spec!r}: {_SPEC_HELP}.")


def choose_spec(
    role: Role, settings: Settings, *, override: str | None = None
) -> tuple[ModelSpec, str]:
    """Which model a role uses, and why (without building anything)."""
    if override:
        return parse_spec(override), "requested explicitly"
    if role == "research" and not settings.research_model:
        # Research extracts facts with the writer's model unless told otherwise: an offline
        # writer means offline research (title, description and headings).
        spec, reason = choose_spec("writer", settings)
        return spec, f"as the writer ({reason})"
    configured = {
        "chat": settings.chat_model,
        "writer": settings.writer_model,
        "research": settings.research_model,
    }[role]
    if configured:
        return parse_spec(configured), f"COLDCRAFT_{role.upper()}_MODEL is set"
    if _env("ANTHROPIC_API_KEY"):
        return ModelSpec("anthropic", DEFAULT_MODELS["anthropic"][role]), "ANTHROPIC_API_KEY is set"
    if _env("OPENAI_API_KEY"):
        return ModelSpec("openai", DEFAULT_MODELS["openai"][role]), "OPENAI_API_KEY is set"
    return ModelSpec("offline"), "no provider key: offline"


def resolve_model(role: Role, settings: Settings, *, override: str | None = None) -> ResolvedModel:
    spec, reason = choose_spec(role, settings, override=override)
    policy = RetryPolicy(
        max_attempts=max(1, settings.llm_max_attempts),
        base_delay=settings.llm_retry_base_delay_seconds,
        max_delay=settings.llm_retry_max_delay_seconds,
    )
    model = RetryingModel(build_model(spec, role, settings), policy)
    return ResolvedModel(model=model, name=spec.name, provider=spec.provider, reason=reason)


def build_model(spec: ModelSpec, role: Role, settings: Settings) -> Model:
    """The bare pydantic-ai model for a spec (no retry wrapper)."""
    if spec.provider == "offline":
        return offline_model()
    timeout = settings.llm_timeout_seconds
    if spec.provider == "anthropic":
        return _anthropic(spec, role, timeout)
    return _openai(spec, role, timeout)


def _anthropic(spec: ModelSpec, role: Role, timeout: float) -> Model:
    # The SDKs are imported on first use: they are heavy, and the offline model needs neither.
    from anthropic import AsyncAnthropic
    from pydantic_ai.models.anthropic import AnthropicModel, AnthropicModelSettings
    from pydantic_ai.providers.anthropic import AnthropicProvider

    key = _env("ANTHROPIC_API_KEY")
    if not key:
        raise ValueError(f"{spec.name} needs ANTHROPIC_API_KEY to be set.")
    client = AsyncAnthropic(
        api_key=key, base_url=_env("ANTHROPIC_BASE_URL"), max_retries=0, timeout=timeout
    )
    return AnthropicModel(
        spec.model_name,
        provider=AnthropicProvider(anthropic_client=client),
        settings=AnthropicModelSettings(max_tokens=MAX_TOKENS[role]),
    )


def _openai(spec: ModelSpec, role: Role, timeout: float) -> Model:
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel, OpenAIChatModelSettings
    from pydantic_ai.providers.openai import OpenAIProvider

    if spec.provider == "openai-compatible":
        key = _env(COMPATIBLE_KEY_ENV) or "not-needed"
        base_url: str | None = spec.base_url
    else:
        key = _env("OPENAI_API_KEY") or ""
        base_url = _env("OPENAI_BASE_URL")
        if not key:
            raise ValueError(f"{spec.name} needs OPENAI_API_KEY to be set.")
    client = AsyncOpenAI(api_key=key, base_url=base_url, max_retries=0, timeout=timeout)
    return OpenAIChatModel(
        spec.model_name,
        provider=OpenAIProvider(openai_client=client),
        settings=OpenAIChatModelSettings(max_tokens=MAX_TOKENS[role]),
    )


def describe_models(settings: Settings) -> list[ModelDescription]:
    """The chat, writer and research models as configured, with the reason each was chosen
    (for the CLI)."""
    roles: tuple[Role, ...] = ("chat", "writer", "research")
    descriptions = []
    for role in roles:
        spec, reason = choose_spec(role, settings)
        descriptions.append(
            ModelDescription(role, spec.name, spec.provider, reason, _base_url(spec))
        )
    return descriptions


OFFLINE_NOTE = (
    "offline is a rule-based stand-in (templates and rules, not a language model): it shows "
    "the pipeline, not what a real model writes. For a real one set ANTHROPIC_API_KEY or "
    "OPENAI_API_KEY, or COLDCRAFT_CHAT_MODEL / COLDCRAFT_WRITER_MODEL (see docs/llm.md)."
)
KEY_ENV = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}


def model_notes(settings: Settings) -> list[str]:
    """What a person starting coldcraft should know about its models: which one each role
    uses, that offline is a stand-in, and a chosen provider whose key is missing."""
    notes = []
    descriptions = describe_models(settings)
    for d in descriptions:
        notes.append(f"{d.role} model: {d.name} ({d.reason})")
        key = KEY_ENV.get(d.provider)
        follows_writer = d.role == "research" and not settings.research_model
        if key and not _env(key) and not d.base_url and not follows_writer:
            notes.append(f"warning: {d.role} uses {d.provider} but {key} is not set")
    if any(d.provider == "offline" for d in descriptions):
        notes.append(OFFLINE_NOTE)
    return notes


def _base_url(spec: ModelSpec) -> str | None:
    if spec.provider == "anthropic":
        return _env("ANTHROPIC_BASE_URL")
    if spec.provider == "openai":
        return _env("OPENAI_BASE_URL")
    return spec.base_url


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


# --- the injection point -------------------------------------------------------------------

ModelFactory = Callable[[Role, Settings], ResolvedModel]

_model_factory: ModelFactory | None = None
# Models built from settings, per role: one SDK client (and its connection pool) per
# process, not one per lead. Keyed by the Settings object, which the entry is kept with.
_resolved: dict[Role, tuple[Settings, ResolvedModel]] = {}


def set_model_factory(factory: ModelFactory | None) -> None:
    """Install (or, with None, remove) the factory every chat turn and run gets models from."""
    global _model_factory
    _model_factory = factory


def model_for(role: Role, settings: Settings) -> ResolvedModel:
    """The model a role uses now: the installed factory's, else one built from settings."""
    if _model_factory is not None:
        return _model_factory(role, settings)
    cached = _resolved.get(role)
    if cached is not None and cached[0] is settings:
        return cached[1]
    model = resolve_model(role, settings)
    _resolved[role] = (settings, model)
    return model
