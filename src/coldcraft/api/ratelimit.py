"""Per-API-key token bucket: 429 `rate_limited` with Retry-After and RateLimit headers.

Buckets live in the process: with N API processes a key gets up to N times the budget.
Headers follow the IETF RateLimit header fields draft (`RateLimit`, `RateLimit-Policy`).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_TRACKED_KEYS = 100_000
WINDOW_SECONDS = 60


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    def __init__(self, *, per_minute: int, burst: int) -> None:
        self.rate = per_minute / WINDOW_SECONDS
        self.capacity = float(burst or per_minute)
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    def take(self, key: str, now: float) -> tuple[bool, int, float]:
        """Spend one token: (allowed, remaining, seconds until one token is back)."""
        bucket = self.buckets.pop(key, None) or Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        self.buckets[key] = bucket
        if len(self.buckets) > MAX_TRACKED_KEYS:
            self.buckets.popitem(last=False)
        wait = 0.0 if bucket.tokens >= 1 else (1 - bucket.tokens) / self.rate
        return allowed, int(bucket.tokens), wait


def _client_key(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return hashlib.sha256(value).hexdigest()[:32]
    return None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, *, per_minute: int, burst: int = 0) -> None:
        self.app = app
        self.buckets = TokenBuckets(per_minute=per_minute, burst=burst)
        self.policy = f'"default";q={int(self.buckets.capacity)};w={WINDOW_SECONDS}'.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _client_key(scope) if scope["type"] == "http" else None
        if key is None or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        allowed, remaining, wait = self.buckets.take(key, time.monotonic())
        reset = math.ceil(wait)
        headers = [
            (b"ratelimit-policy", self.policy),
            (b"ratelimit", f'"default";r={remaining};t={reset}'.encode()),
        ]
        if not allowed:
            await self._reject(send, headers, retry_after=max(1, reset))
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        await self.app(scope, receive, with_headers)

    async def _reject(
        self, send: Send, headers: list[tuple[bytes, bytes]], retry_after: int
    ) -> None:
        message = f"Rate limit exceeded; retry in {retry_after} s"
        body = json.dumps({"error": {"code": "rate_limited", "message": message}}).encode()
        all_headers = [
            (b"content-type", b"application/json"),
            (b"retry-after", str(retry_after).encode()),
            *headers,
        ]
        await send({"type": "http.response.start", "status": 429, "headers": all_headers})
        await send({"type": "http.response.body", "body": body})
