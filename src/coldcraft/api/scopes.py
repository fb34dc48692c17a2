"""Which key scope each route needs, from its method and path template.

`read` for every GET and for the POSTs that change nothing (a lint, a quote, a run's
read token); `launch` for launching, pausing, resuming and deleting a campaign; `write` for
everything else (create, edit, spend). One table for the whole API, so a new endpoint is
covered without anyone remembering to: it is `write` unless it is a GET.
"""

from __future__ import annotations

from coldcraft.accounts.scopes import Scope

CAMPAIGN = "/api/campaigns/{campaign_id}"
LAUNCH_ROUTES = frozenset(
    {
        ("POST", f"{CAMPAIGN}/launch"),
        ("POST", f"{CAMPAIGN}/pause"),
        ("POST", f"{CAMPAIGN}/resume"),
        ("DELETE", CAMPAIGN),
    }
)
READ_ONLY_POSTS = frozenset(
    {
        ("POST", "/api/skeletons/lint"),
        ("POST", "/api/emails/judge"),
        ("POST", "/api/credits/preview"),
        ("POST", "/api/runs/{run_id}/token"),
    }
)
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def required_scope(method: str, path_template: str) -> Scope:
    key = (method.upper(), path_template)
    if key in LAUNCH_ROUTES:
        return "launch"
    if key[0] in READ_METHODS or key in READ_ONLY_POSTS:
        return "read"
    return "write"
