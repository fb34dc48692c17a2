"""Web search backends for the framework agent's `searchWeb` tool.

Order of preference (decided in `framework_agent`): the provider's native web search when the
model supports it (Anthropic), else a search API configured in settings (`search_provider`:
`tavily`, `brave` or `searxng`, with `search_api_key` / `search_url`), else the tool answers
that web search is not configured.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from coldcraft.config import Settings

log = logging.getLogger(__name__)

# What one call costs at each backend's published pay-as-you-go price (2026-12: Tavily's
# basic search is 1 credit at $0.008, Brave's Search API $5 per 1,000 requests; a SearXNG
# instance is your own). `COLDCRAFT_SEARCH_PRICE_USD` replaces it (a plan's own price).
SEARCH_LIST_PRICES_USD = {"tavily": 0.008, "brave": 0.005, "searxng": 0.0}
TAVILY_URL = "https://api.tavily.com/search"
BRAVE_URL = "https://api.search.brave.com/res/v1/web/search"
SEARCH_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class SearchResult:
    title: str
    url: str
    snippet: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url, "snippet": self.snippet}


class WebSearch(Protocol):
    name: str
    price_usd: float  # what one answered call costs (0 when unknown or free)

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]: ...


@dataclass
class _HttpSearch:
    """Shared plumbing: one JSON request per query through httpx."""

    url: str
    api_key: str | None = None
    transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)
    timeout: float = SEARCH_TIMEOUT_SECONDS
    price_usd: float = 0.0

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport, timeout=self.timeout)


class TavilySearch(_HttpSearch):
    name = "tavily"

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]:
        payload = {"query": query, "max_results": max_results, "api_key": self.api_key}
        headers = {"Authorization": f"Bearer {self.api_key}"}
        async with self._client() as client:
            response = await client.post(self.url, json=payload, headers=headers)
            response.raise_for_status()
        items = response.json().get("results") or []
        return [_result(i.get("title"), i.get("url"), i.get("content")) for i in items][
            :max_results
        ]


class BraveSearch(_HttpSearch):
    name = "brave"

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]:
        headers = {"X-Subscription-Token": self.api_key or "", "Accept": "application/json"}
        params: dict[str, Any] = {"q": query, "count": max_results}
        async with self._client() as client:
            response = await client.get(self.url, params=params, headers=headers)
            response.raise_for_status()
        items = (response.json().get("web") or {}).get("results") or []
        return [_result(i.get("title"), i.get("url"), i.get("description")) for i in items][
            :max_results
        ]


class SearxngSearch(_HttpSearch):
    name = "searxng"

    async def search(self, query: str, *, max_results: int = 5) -> list[SearchResult]:
        endpoint = self.url.rstrip("/")
        endpoint = endpoint if endpoint.endswith("/search") else f"{endpoint}/search"
        async with self._client() as client:
            response = await client.get(endpoint, params={"q": query, "format": "json"})
            response.raise_for_status()
        items = response.json().get("results") or []
        return [_result(i.get("title"), i.get("url"), i.get("content")) for i in items][
            :max_results
        ]


def _result(title: Any, url: Any, snippet: Any) -> SearchResult:
    return SearchResult(str(title or ""), str(url or ""), str(snippet or "")[:500])


OFF_VALUES = frozenset({"none", "off", "disabled", "false"})
_WARNED: set[str] = set()  # the half-configured backends already logged by this process


def native_search_enabled(settings: Settings) -> bool:
    """Native provider search is on unless `search_provider` turns search off ("none")."""
    return (settings.search_provider or "").strip().lower() not in OFF_VALUES


def web_search_from_settings(
    settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None
) -> WebSearch | None:
    """The configured search API, or None (not configured, or configured incompletely)."""
    provider = (settings.search_provider or "").strip().lower()
    key = settings.search_api_key.get_secret_value() if settings.search_api_key else None
    if not provider or provider in OFF_VALUES or provider == "native":
        return None
    price = search_price(settings)
    if provider == "tavily" and key:
        return TavilySearch(settings.search_url or TAVILY_URL, key, transport, price_usd=price)
    if provider == "brave" and key:
        return BraveSearch(settings.search_url or BRAVE_URL, key, transport, price_usd=price)
    if provider == "searxng" and settings.search_url:
        return SearxngSearch(settings.search_url, key, transport, price_usd=price)
    if provider not in _WARNED:  # once per process, not at every research and quote
        _WARNED.add(provider)
        log.warning(
            "web search %r is not fully configured: %s", provider, describe_search(settings)
        )
    return None


def search_price(settings: Settings) -> float:
    """USD per call of the configured search backend: `search_price_usd` when set, else its
    list price; 0 with no backend (or the provider's native search, priced as tokens)."""
    if settings.search_price_usd is not None:
        return settings.search_price_usd
    provider = (settings.search_provider or "").strip().lower()
    return SEARCH_LIST_PRICES_USD.get(provider, 0.0)


def describe_search(settings: Settings) -> str:
    """One line for the CLI: which search backend the framework agent uses, and why."""
    provider = (settings.search_provider or "").strip().lower()
    if not provider or provider == "native":
        return "native search on Anthropic models; otherwise not configured"
    if provider in OFF_VALUES:
        return "off (COLDCRAFT_SEARCH_PROVIDER=none)"
    if provider in ("tavily", "brave") and not settings.search_api_key:
        return f"{provider} selected but COLDCRAFT_SEARCH_API_KEY is not set"
    if provider == "searxng" and not settings.search_url:
        return "searxng selected but COLDCRAFT_SEARCH_URL is not set"
    if provider not in ("tavily", "brave", "searxng"):
        return f"unknown search provider {provider!r} (use tavily, brave or searxng)"
    return f"{provider} (COLDCRAFT_SEARCH_PROVIDER is set); native search on Anthropic models"


async def run_search(search: WebSearch | None, query: str) -> dict[str, Any]:
    """What the `searchWeb` tool returns: results, or a clear message (never an exception)."""
    query = " ".join(query.split())[:400]
    if search is None:
        return {"status": "unavailable", "message": "Web search is not configured on this server."}
    if not query:
        return {"status": "failed", "message": "The query is empty."}
    try:
        results = await search.search(query)
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("web search failed: %s", exc)
        return {"status": "failed", "message": f"Web search failed ({type(exc).__name__})."}
    return {"status": "ok", "results": [r.as_dict() for r in results]}
