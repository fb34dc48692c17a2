"""The studio's credentials, framework-free: the signed session cookie and the CSRF token.

The cookie holds `{"uid": <user id>, "sid": <random session id>, "iat": <issued, epoch s>}`
as URL-safe base64 JSON, then `.`, then an HMAC-SHA256 of that text under the app's secret
key (`Settings.resolved_secret_key`). Nothing in it is secret; it cannot be forged or
altered. A form's CSRF token is an HMAC of the session id (one per sign-in), compared in
constant time: a page of another origin can neither read it nor compute it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass

COOKIE_NAME = "coldcraft_studio"
SESSION_MAX_AGE_SECONDS = 7 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class StudioSession:
    user_id: uuid.UUID
    session_id: str
    issued_at: int


def _mac(secret: str, purpose: str, text: str) -> str:
    digest = hmac.new(secret.encode(), f"{purpose}:{text}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_session(secret: str, user_id: uuid.UUID, *, now: float | None = None) -> str:
    """A new session cookie value for this user (a fresh session id)."""
    payload = {
        "uid": str(user_id),
        "sid": secrets.token_urlsafe(18),
        "iat": int(now or time.time()),
    }
    text = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    return f"{text}.{_mac(secret, 'session', text)}"


def read_session(
    secret: str, value: str | None, *, now: float | None = None
) -> StudioSession | None:
    """The session a cookie value carries, or None (missing, forged, malformed or expired)."""
    if not value or "." not in value:
        return None
    text, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(mac, _mac(secret, "session", text)):
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        session = StudioSession(uuid.UUID(payload["uid"]), str(payload["sid"]), int(payload["iat"]))
    except (ValueError, KeyError, TypeError):
        return None
    if (now or time.time()) - session.issued_at > SESSION_MAX_AGE_SECONDS:
        return None
    return session


def csrf_token(secret: str, session: StudioSession) -> str:
    return _mac(secret, "csrf", session.session_id)


def csrf_valid(secret: str, session: StudioSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(str(token), csrf_token(secret, session))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
