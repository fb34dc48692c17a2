"""A small synchronous client of the coldcraft HTTP API (httpx), with typed errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = 30.0
LONG_TIMEOUT = 120.0  # generate-content runs the chat agent synchronously
STREAM_READ_TIMEOUT = 60.0  # the server sends keep-alive comments well within this


class ApiError(Exception):
    """The API answered with an error envelope (or a non-2xx response without one)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        *,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class ApiConnectionError(Exception):
    """The server could not be reached (refused, DNS, timeout)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"cannot reach the coldcraft API at {url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass
class SseEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None


@dataclass
class _SseBuffer:
    event: str = ""
    data: list[str] = field(default_factory=list)
    id: str | None = None

    def feed(self, line: str) -> SseEvent | None:
        """Consume one line; return an event when a blank line ends one."""
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            # Keep-alive comment: surfaced so a consumer can check its own deadline.
            return SseEvent(event="comment", data=line[1:].strip())
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self.event = value
        elif name == "data":
            self.data.append(value)
        elif name == "id":
            self.id = value
        return None

    def _dispatch(self) -> SseEvent | None:
        if not self.data and not self.event:
            return None
        event = SseEvent(event=self.event or "message", data="\n".join(self.data), id=self.id)
        self.event, self.data = "", []
        return event


def parse_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Parse a text/event-stream (already split into lines) into events."""
    buffer = _SseBuffer()
    for raw in lines:
        event = buffer.feed(raw.rstrip("\r"))
        if event is not None:
            yield event
    last = buffer.feed("")
    if last is not None:
        yield last


def error_from_response(response: httpx.Response) -> ApiError:
    retry_after = response.headers.get("retry-after")
    try:
        body = response.json()
        error = body["error"]
        return ApiError(
            response.status_code,
            str(error["code"]),
            str(error["message"]),
            error.get("details"),
            retry_after=retry_after,
        )
    except (ValueError, KeyError, TypeError):
        text = response.text.strip()[:500] or response.reason_phrase
        return ApiError(response.status_code, f"http_{response.status_code}", text)


NO_KEY_ADVICE = (
    "No API key: set COLDCRAFT_API_KEY (or pass --api-key); "
    "create one with `coldcraft keys create --email you@example.com`"
)


class ApiClient:
    """`ApiClient(base_url, api_key)`: JSON in, parsed JSON out, `ApiError` on non-2xx."""

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "coldcraft-cli"}
        self._has_key = bool(api_key)
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        # Requests only ever go to base_url (no redirects followed): a plain-http server
        # needs no TLS context, and building one costs ~50 ms per command.
        tls = self.base_url.startswith("https:")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=timeout,
            transport=transport,
            verify=tls,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def request_raw(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; raise ApiError on non-2xx, ApiConnectionError if unreachable."""
        if timeout is not None:
            kwargs["timeout"] = timeout
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise ApiConnectionError(self.base_url, _reason(exc)) from exc
        if response.is_error:
            error = error_from_response(response)
            if error.status == 401 and not self._has_key:
                # The server's advice is about HTTP headers; a CLI user sets a variable.
                raise ApiError(401, error.code, NO_KEY_ADVICE)
            raise error
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request_raw(method, path, **kwargs)
        if not response.content:
            return None
        return response.json()

    def get(self, path: str, *, params: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.request("GET", path, params=_clean(params), **kw)

    def get_text(self, path: str, *, params: dict[str, Any] | None = None, **kw: Any) -> str:
        return self.request_raw("GET", path, params=_clean(params), **kw).text

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, json=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.request("DELETE", path, json=json, **kw)

    def upload(
        self,
        path: str,
        *,
        files: dict[str, tuple[str, bytes, str]],
        data: dict[str, str] | None = None,
        **kw: Any,
    ) -> Any:
        """POST multipart/form-data (files + form fields)."""
        return self.request("POST", path, files=files, data=data, **kw)

    @contextmanager
    def stream(
        self, path: str, *, params: dict[str, Any] | None = None, **kw: Any
    ) -> Iterator[Iterator[SseEvent]]:
        """GET a text/event-stream and yield its events as they arrive."""
        timeout = httpx.Timeout(DEFAULT_TIMEOUT, read=STREAM_READ_TIMEOUT)
        headers = {"Accept": "text/event-stream"}
        try:
            with self._http.stream(
                "GET", path, params=_clean(params), headers=headers, timeout=timeout, **kw
            ) as response:
                if response.is_error:
                    response.read()
                    raise error_from_response(response)
                yield parse_sse(response.iter_lines())
        except httpx.TransportError as exc:
            raise ApiConnectionError(self.base_url, _reason(exc)) from exc


def _clean(params: dict[str, Any] | None) -> dict[str, Any] | None:
    """Drop unset query parameters."""
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused (is `coldcraft serve` running?)"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    return str(exc) or type(exc).__name__
