"""Run ids and `publicAccessToken`s: read-only, one run, expiring, HMAC-SHA256 signed.

Token: `tr_pat_<payload>.<signature>`, payload = base64url(`<run_id>.<expires_at>`), signature
= base64url(HMAC-SHA256(secret, "run-token:" + payload)). Nothing is stored: a token is
valid while its signature checks and it has not expired; rotating the secret revokes all.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from dataclasses import dataclass

RUN_ID_PREFIX = "run_"
TOKEN_PREFIX = "tr_pat_"
MAX_RUN_ID_LENGTH = 64
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DOMAIN = b"run-token:"


def new_run_id() -> str:
    """`run_` + 26 Crockford base32 chars: 48-bit millisecond time + 80 random bits (ULID)."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return RUN_ID_PREFIX + "".join(reversed(chars)).lower()


def looks_like_run_id(value: str) -> bool:
    return value.startswith(RUN_ID_PREFIX) and len(value) <= MAX_RUN_ID_LENGTH


@dataclass(frozen=True)
class TokenClaims:
    run_id: str
    expires_at: int

    @property
    def expired(self) -> bool:
        return self.expires_at <= int(time.time())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), _DOMAIN + payload.encode(), hashlib.sha256).digest()
    return _b64(digest)


def issue_token(secret: str, run_id: str, *, ttl_seconds: int) -> str:
    payload = _b64(f"{run_id}.{int(time.time()) + ttl_seconds}".encode())
    return f"{TOKEN_PREFIX}{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str) -> TokenClaims | None:
    """The token's claims when its signature checks (expired or not), else None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 400:
        return None
    payload, _, signature = token[len(TOKEN_PREFIX) :].partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(secret, payload)):
        return None
    try:
        run_id, _, expires = _unb64(payload).decode().rpartition(".")
        return TokenClaims(run_id=run_id, expires_at=int(expires))
    except (ValueError, UnicodeDecodeError):
        return None
