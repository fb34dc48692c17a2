"""Accounts and API keys. Keys are shown once and stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.repository import ApiKeyRepository, UserRepository
from coldcraft.accounts.scopes import ALL_SCOPES, Scope, format_scopes, parse_scopes
from coldcraft.errors import InvalidRequest
from coldcraft.store.models import ApiKey, User

KEY_PREFIX = "pk_live_"
DISPLAY_PREFIX_LENGTH = 16
# Polling clients authenticate many times a second; a verified key is trusted this long
# without a query. Revoking clears it here at once; other processes notice within the TTL.
AUTH_CACHE_SECONDS = 5.0
AUTH_CACHE_MAX = 10_000


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    local, sep, domain = email.partition("@")
    if not (local and sep and "." in domain) or len(email) > 320:
        raise InvalidRequest(f"Not a valid email address: {email!r}")
    return email


@dataclass(frozen=True)
class Caller:
    """Who a verified API key belongs to, and what it may do."""

    user: User
    scopes: frozenset[Scope]


class AccountService:
    def __init__(self) -> None:
        self._verified: dict[str, tuple[float, Caller]] = {}

    async def get_user(self, session: AsyncSession, user_id: uuid.UUID) -> User | None:
        """An account by id (a primary-key read, usually from the identity map)."""
        return await UserRepository(session).get(user_id)

    async def get_or_create_user(self, session: AsyncSession, *, email: str) -> User:
        users = UserRepository(session)
        email = normalise_email(email)
        user = await users.get_by_email(email)
        return user or await users.add(User(email=email))

    async def create_key(
        self,
        session: AsyncSession,
        *,
        email: str,
        name: str | None = None,
        scopes: frozenset[Scope] = frozenset(ALL_SCOPES),
    ) -> tuple[User, str]:
        """Create the account if needed and a new key for it; returns the clear key once."""
        if not scopes:
            raise InvalidRequest("A key needs at least one scope")
        user = await self.get_or_create_user(session, email=email)
        key = new_key()
        api_key = ApiKey(
            user_id=user.id,
            name=name,
            prefix=key[:DISPLAY_PREFIX_LENGTH],
            key_hash=hash_key(key),
            scopes=format_scopes(scopes),
        )
        await ApiKeyRepository(session).add(api_key)
        return user, key

    async def authenticate(self, session: AsyncSession, key: str) -> User | None:
        caller = await self.verify(session, key)
        return None if caller is None else caller.user

    async def verify(self, session: AsyncSession, key: str) -> Caller | None:
        """The account and scopes of an active key, or None."""
        if not key.startswith(KEY_PREFIX) or len(key) > 200:
            return None
        digest = hash_key(key)
        cached = self._verified.get(digest)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        found = await ApiKeyRepository(session).user_for_active_hash(digest)
        # The lookup is by digest; compare again in constant time before trusting it.
        if found is None or not hmac.compare_digest(found[0], digest):
            return None
        stored, scopes, user = found
        # A detached copy: the request session that loaded `user` is closed after the request.
        copy = User(id=user.id, email=user.email, name=user.name, created_at=user.created_at)
        caller = Caller(user=copy, scopes=parse_scopes(scopes) if scopes else frozenset())
        self._remember(stored, caller)
        return Caller(user=user, scopes=caller.scopes)

    def _remember(self, digest: str, caller: Caller) -> None:
        if len(self._verified) >= AUTH_CACHE_MAX:
            self._verified.clear()
        self._verified[digest] = (time.monotonic() + AUTH_CACHE_SECONDS, caller)

    async def revoke_key(self, session: AsyncSession, key: str) -> bool:
        digest = hash_key(key.strip())
        self._verified.pop(digest, None)
        return await ApiKeyRepository(session).revoke_by_hash(digest)

    async def list_keys(self, session: AsyncSession, *, email: str) -> list[ApiKey]:
        user = await UserRepository(session).get_by_email(normalise_email(email))
        return [] if user is None else await ApiKeyRepository(session).list_for_user(user)


account_service = AccountService()
