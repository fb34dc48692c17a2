"""One-time sign-in links: `coldcraft serve` and `coldcraft demo` print one for the local
user, like a notebook server's token link.

The token is random and shown once; the database keeps only its SHA-256, whose it is, its
expiry and when it was used. Redeeming is one conditional UPDATE, so a link works once
whichever worker process (`coldcraft serve --workers N`) or machine receives it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from coldcraft.accounts.service import account_service
from coldcraft.store.base import utcnow
from coldcraft.store.models import StudioLink, User

LINK_TTL = timedelta(hours=24)
LOGIN_PATH = "/login/link"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_link(session: AsyncSession, user: User, *, ttl: timedelta = LINK_TTL) -> str:
    """A new one-time token for `user` (the caller commits)."""
    token = secrets.token_urlsafe(32)
    session.add(StudioLink(token_hash=_hash(token), user_id=user.id, expires_at=utcnow() + ttl))
    await session.flush()
    return token


async def redeem_link(session: AsyncSession, token: str) -> uuid.UUID | None:
    """The user the token signs in, marking it used; None if unknown, used or expired."""
    now = utcnow()
    stmt = (
        update(StudioLink)
        .where(
            StudioLink.token_hash == _hash(token),
            StudioLink.used_at.is_(None),
            StudioLink.expires_at > now,
        )
        .values(used_at=now)
        .returning(StudioLink.user_id)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{LOGIN_PATH}?token={token}"


async def local_link(session: AsyncSession, base_url: str, *, email: str) -> str:
    """A one-time link for the machine's local user (`email`, created if new)."""
    user = await account_service.get_or_create_user(session, email=email)
    return link_url(base_url, await issue_link(session, user))
