"""`coldcraft me`: whose API key this is."""

from __future__ import annotations

from coldcraft.cli.api_base import ApiKeyOpt, ApiUrlOpt, FormatOpt, handles_errors
from coldcraft.cli.client import DEFAULT_API_URL, ApiClient
from coldcraft.cli.output import Format, emit


@handles_errors
def me(
    api_url: ApiUrlOpt = DEFAULT_API_URL,
    api_key: ApiKeyOpt = None,
    fmt: FormatOpt = Format.json,
) -> None:
    """Show the account the API key belongs to (GET /api/me)."""
    with ApiClient(api_url, api_key) as api:
        emit(api.get("/api/me"), fmt)
