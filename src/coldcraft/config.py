"""Settings, read from `COLDCRAFT_*` environment variables (and a `.env` file if present)."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    llm_max_attempts: int = 3
    llm_timeout_seconds: float = 60.0
    turn_request_limit: int = 12
    turn_total_tokens_limit: int = 200_000
    turn_cost_limit_usd: float = 1.0

    # Web search for the framework agent: "tavily" | "brave" | "searxng" | None
    search_provider: str | None = None
    search_api_key: SecretStr | None = None
    search_url: str | None = None

    # Judge thresholds (workspace `house_rules` may override per account)
    subject_max_chars: int = 60
    subject_warn_chars: int = 50
    first_touch_min_words: int = 20
    first_touch_max_words: int = 150
    first_touch_warn_words: int = 125
    follow_up_min_words: int = 10
    follow_up_max_words: int = 100
    readability_min: float = 50.0

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
