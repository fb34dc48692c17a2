"""Eval tests: no real provider; the local fake servers of tests/llm are shared."""

from __future__ import annotations

from tests.llm.conftest import (  # noqa: F401  (fixtures, re-exported for this package)
    _no_provider_env,
    _openai_server,
    allow_requests,
    llm_settings,
    openai_fake,
)
