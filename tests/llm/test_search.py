"""Web search backends (through httpx.MockTransport, never the network)."""

from __future__ import annotations

import json

import httpx
import pytest

from coldcraft.config import Settings
from coldcraft.llm.search import (
    BraveSearch,
    SearxngSearch,
    TavilySearch,
    describe_search,
    run_search,
    web_search_from_settings,
)


def transport(
    payload: dict[str, object], seen: list[httpx.Request], status: int = 200
) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status, json=payload)

    return httpx.MockTransport(handler)


async def test_tavily() -> None:
    seen: list[httpx.Request] = []
    payload = {"results": [{"title": "Acme", "url": "https://acme.example", "content": "News"}]}
    search = TavilySearch("https://tavily.test/search", "tvly-key", transport(payload, seen))
    results = await search.search("acme", max_results=3)
    assert [r.url for r in results] == ["https://acme.example"]
    assert json.loads(seen[0].content)["query"] == "acme"
    assert seen[0].headers["authorization"] == "Bearer tvly-key"


async def test_brave() -> None:
    seen: list[httpx.Request] = []
    payload = {"web": {"results": [{"title": "A", "url": "https://a.example", "description": "d"}]}}
    search = BraveSearch("https://brave.test/search", "brave-key", transport(payload, seen))
    results = await search.search("acme")
    assert results[0].snippet == "d"
    assert seen[0].headers["x-subscription-token"] == "brave-key"
    assert seen[0].url.params["q"] == "acme"


async def test_searxng() -> None:
    seen: list[httpx.Request] = []
    payload = {"results": [{"title": "S", "url": "https://s.example", "content": "c"}]}
    search = SearxngSearch("http://searx.local", None, transport(payload, seen))
    results = await search.search("acme")
    assert results[0].title == "S"
    assert str(seen[0].url).startswith("http://searx.local/search?")
    assert seen[0].url.params["format"] == "json"


async def test_run_search_turns_failures_into_text() -> None:
    seen: list[httpx.Request] = []
    broken = TavilySearch("https://tavily.test/search", "k", transport({}, seen, status=500))
    assert (await run_search(broken, "acme"))["status"] == "failed"
    assert (await run_search(None, "acme"))[
        "message"
    ] == "Web search is not configured on this server."
    assert (await run_search(broken, "   "))["status"] == "failed"


@pytest.mark.parametrize(
    ("provider", "key", "url", "kind"),
    [
        ("tavily", "k", None, TavilySearch),
        ("brave", "k", None, BraveSearch),
        ("searxng", None, "http://searx.local", SearxngSearch),
        ("tavily", None, None, type(None)),
        ("searxng", None, None, type(None)),
        ("bing", "k", None, type(None)),
        (None, None, None, type(None)),
    ],
)
def test_web_search_from_settings(
    provider: str | None, key: str | None, url: str | None, kind: type
) -> None:
    settings = Settings(search_provider=provider, search_api_key=key, search_url=url)  # type: ignore[arg-type]
    assert isinstance(web_search_from_settings(settings), kind)
    assert describe_search(settings)


@pytest.mark.parametrize(
    ("provider", "key", "url", "override", "price"),
    [
        ("tavily", "k", None, None, 0.008),
        ("brave", "k", None, None, 0.005),
        ("searxng", None, "http://searx.local", None, 0.0),
        ("tavily", "k", None, 0.002, 0.002),  # the plan's own price
    ],
)
def test_a_backend_carries_its_price_per_call(
    provider: str, key: str | None, url: str | None, override: float | None, price: float
) -> None:
    settings = Settings(
        search_provider=provider,
        search_api_key=key,  # type: ignore[arg-type]
        search_url=url,
        search_price_usd=override,
    )
    search = web_search_from_settings(settings)
    assert search is not None
    assert search.price_usd == price


def test_a_negative_search_price_is_refused() -> None:
    with pytest.raises(ValueError, match="search_price_usd"):
        Settings(search_price_usd=-1)


@pytest.mark.parametrize(
    ("provider", "native"), [(None, True), ("native", True), ("tavily", True), ("none", False)]
)
def test_native_search_can_be_turned_off(provider: str | None, native: bool) -> None:
    from coldcraft.llm.search import native_search_enabled

    settings = Settings(search_provider=provider)
    assert native_search_enabled(settings) is native
    assert web_search_from_settings(settings) is None
