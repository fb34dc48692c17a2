"""The HTTP client's pieces that need no server: SSE parsing, error decoding."""

from __future__ import annotations

import httpx
import pytest

from coldcraft.cli.client import ApiClient, ApiError, parse_sse


def test_sse_events_are_split_on_blank_lines_with_multiline_data() -> None:
    lines = ["event: progress", 'data: {"a":', "data: 1}", "", ": keep-alive", "event: end",
             "data: {}", ""]  # fmt: skip
    events = [(e.event, e.data) for e in parse_sse(iter(lines))]
    assert events == [("progress", '{"a":\n1}'), ("comment", "keep-alive"), ("end", "{}")]


def test_sse_event_without_trailing_blank_line_is_still_delivered() -> None:
    events = list(parse_sse(iter(["data: last"])))
    assert [(e.event, e.data) for e in events] == [("message", "last")]


def _client(status: int, body: bytes, headers: dict[str, str] | None = None) -> ApiClient:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers=headers)

    return ApiClient("http://api.test", "k", transport=httpx.MockTransport(handler))


def test_the_error_envelope_becomes_a_typed_api_error() -> None:
    body = b'{"error": {"code": "rate_limited", "message": "Slow down", "details": []}}'
    with pytest.raises(ApiError) as caught:
        _client(429, body, {"Retry-After": "7"}).get("/api/me")
    error = caught.value
    assert (error.status, error.code, error.message) == (429, "rate_limited", "Slow down")
    assert (error.details, error.retry_after) == ([], "7")


def test_a_non_envelope_error_keeps_its_status_and_text() -> None:
    with pytest.raises(ApiError) as caught:
        _client(502, b"Bad Gateway from proxy").get("/api/me")
    assert (caught.value.code, caught.value.message) == ("http_502", "Bad Gateway from proxy")


def test_the_api_key_is_sent_as_a_bearer_token() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"ok": True})

    api = ApiClient("http://api.test/", "pk_live_x", transport=httpx.MockTransport(handler))
    assert api.get("/api/me") == {"ok": True}
    assert seen == ["Bearer pk_live_x"]
