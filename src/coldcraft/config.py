"""Settings, read from `COLDCRAFT_*` environment variables (and a `.env` file if present)."""

from __future__ import annotations

import dataclasses
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_type_hints

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from coldcraft.skeletons import JudgeSettings


def default_data_dir() -> Path:
    return Path(user_data_dir("coldcraft", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COLDCRAFT_", env_file=".env", extra="ignore")

    # Storage
    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None  # default: sqlite file in data_dir
    dbos_system_database_url: str | None = None  # default: derived from database_url
    secret_key: SecretStr | None = None  # default: generated once, kept in data_dir

    # HTTP
    cors_origins: list[str] = Field(default_factory=list)
    max_body_bytes: int = 2 * 1024 * 1024
    rate_limit_per_minute: int = 0  # per API key; 0 = off
    rate_limit_burst: int = 0  # 0 = same as per-minute budget

    # Runs
    run_token_ttl_seconds: int = 3600
    worker_id: str | None = None
    app_version: str = "coldcraft-1"
    claim_lease_seconds: int = 900
    run_concurrency: int = 8  # concurrent writer calls inside one run
    provider_max_in_flight: int = 50  # across all workers, per provider
    provider_requests_per_minute: int = 0  # across all workers, per provider; 0 = off
    spend_cap_usd_per_month: float = 0.0  # per account; 0 = no cap

    # Models (pydantic-ai): "anthropic:<m>", "openai:<m>", "openai-compatible:<m>@<url>", "offline"
    chat_model: str | None = None
    writer_model: str | None = None
    research_model: str | None = None  # company research's fact extraction; None = the writer's
    llm_max_attempts: int = 3
    llm_timeout_seconds: float = 60.0
    turn_request_limit: int = 12
    turn_total_tokens_limit: int = 200_000
    turn_cost_limit_usd: float = 1.0

    # Web search for the framework agent: "tavily" | "brave" | "searxng" | None
    search_provider: str | None = None
    search_api_key: SecretStr | None = None
    search_url: str | None = None
    # USD per search call (research and the chat's searchWeb); None = the backend's list
    # price (llm/search.py SEARCH_LIST_PRICES_USD: tavily 0.008, brave 0.005, searxng 0).
    search_price_usd: float | None = Field(default=None, ge=0)

    # Company research (docs/research.md): safe fetching of a prospect's company pages.
    # Loopback / private (RFC 1918, ULA) addresses are refused unless allowed here;
    # link-local (cloud metadata), multicast, reserved and unspecified ones always are.
    research_allow_loopback: bool = False
    research_allow_private: bool = False  # private ranges and loopback
    research_max_bytes: int = 1_000_000  # per answer; a larger page is refused
    research_timeout_seconds: float = 10.0  # per page, robots.txt and redirects included
    research_cache_seconds: int = 7 * 24 * 3600  # per company domain (database + memory); 0 = off

    # Judge thresholds: names and defaults are JudgeSettings' own. Each scalar field is read
    # from `COLDCRAFT_<FIELD>` (e.g. `COLDCRAFT_SUBJECT_MAX_CHARS`), or given as a keyword
    # (`Settings(subject_max_chars=40)`). A workspace's `house_rules` may override per account.
    judge: JudgeSettings = Field(default_factory=JudgeSettings)

    # LLM retry backoff (exponential with full jitter; a provider's retry-after wins)
    llm_retry_base_delay_seconds: float = 0.5
    llm_retry_max_delay_seconds: float = 8.0

    # Run engine (DBOS): "embedded" runs the executor inside `coldcraft serve`; "none" only
    # enqueues (API processes in the distributed shape, next to `coldcraft worker` processes)
    executor: Literal["embedded", "none"] = "embedded"
    run_chunk_max_items: int = 25  # items per chunk workflow (one provider slot each)
    run_queue_poll_seconds: float = 0.2  # how often an executor polls the run queues
    run_sweep_interval_seconds: float = 30.0  # stuck claims, orphaned runs, dead workers
    run_enqueue_grace_seconds: float = 10.0  # a queued run older than this needs a workflow
    shutdown_grace_seconds: float = 3.0  # on stop, how long running workflows may finish

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The usual order (keywords, environment, .env file, secrets), each environment source
        # followed by the judge's thresholds read the same way (prefix, case, .env file).
        return (
            init_settings,
            env_settings,
            _JudgeThresholds(settings_cls, env_settings),
            dotenv_settings,
            _JudgeThresholds(settings_cls, dotenv_settings),
            file_secret_settings,
        )

    @model_validator(mode="before")
    @classmethod
    def _gather_judge_thresholds(cls, data: Any) -> Any:
        """Fold flat threshold values (`subject_max_chars=...`) into `judge`.

        Sources have already been merged by priority, so a flat value here is the winning one.
        An explicit `judge` is taken as given: flat values don't patch it.
        """
        if not isinstance(data, dict):
            return data
        flat = {name: data[name] for name in JUDGE_THRESHOLDS if name in data}
        rest = {key: value for key, value in data.items() if key not in flat}
        if flat and "judge" not in rest:
            rest["judge"] = flat
        return rest

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / 'coldcraft.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The signing secret: from settings, else generated once and kept in the data dir."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _threshold_fields() -> dict[str, FieldInfo]:
    """JudgeSettings' scalar fields (the thresholds), as pydantic fields for the env sources.

    The list fields (`extra_banned`, `allowed_acronyms`) stay house-rule-only: a workspace
    extends them, and an environment variable replacing them would read differently.
    """
    hints = get_type_hints(JudgeSettings)
    return {
        field.name: FieldInfo.from_annotation(hints[field.name])
        for field in dataclasses.fields(JudgeSettings)
        if hints[field.name] in (int, float)
    }


JUDGE_THRESHOLDS = _threshold_fields()


class _JudgeThresholds(PydanticBaseSettingsSource):
    """The judge's thresholds as flat `<prefix><FIELD>` variables, read by another source.

    `source` is the built-in env or .env source: it applies the prefix, the case rule and
    the `.env` file of this construction. Values stay raw strings; `judge` validates them.
    """

    def __init__(self, settings_cls: type[BaseSettings], source: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._source = source

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._source.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in JUDGE_THRESHOLDS.items():
            raw, key, is_complex = self.get_field_value(field, name)
            value = self._source.prepare_field_value(name, field, raw, is_complex)
            if value is not None:
                values[key] = value
        return values

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._source!r})"


@lru_cache
def get_settings() -> Settings:
    return Settings()
