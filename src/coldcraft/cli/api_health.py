"""`coldcraft health`: is the server up, and can it reach its database and queue?"""

from __future__ import annotations

from coldcraft.cli.api_base import ApiUrlOpt, FormatOpt, handles_errors
from coldcraft.cli.client import DEFAULT_API_URL, ApiClient
from coldcraft.cli.output import Format, emit


@handles_errors
def health(api_url: ApiUrlOpt = DEFAULT_API_URL, fmt: FormatOpt = Format.json) -> None:
    """Check the server (GET /healthz, no key needed); exit 1 when a part is down (503)."""
    with ApiClient(api_url) as api:
        emit(api.get("/healthz"), fmt)
