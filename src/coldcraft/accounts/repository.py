from __future__ import annotations

from sqlalchemy import select, update

from coldcraft.store.base import utcnow
from coldcraft.store.models import ApiKey, User
from coldcraft.store.repository import Repository


class UserRepository(Repository[User]):
    model = User

    async def get_by_email(self, email: str) -> User | None:
        return await self.one_or_none(select(User).where(User.email == email))


class ApiKeyRepository(Repository[ApiKey]):
    model = ApiKey

    async def get_active_by_hash(self, key_hash: str) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        return await self.one_or_none(stmt)

    async def user_for_active_hash(self, key_hash: str) -> tuple[str, str, User] | None:
        """The stored digest, the key's scopes and its account, in one round trip."""
        stmt = (
            select(ApiKey.key_hash, ApiKey.scopes, User)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], row[1], row[2])

    async def list_for_user(self, user: User) -> list[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at)
        return list(await self.all(stmt))

    async def revoke_by_hash(self, key_hash: str) -> bool:
        stmt = (
            update(ApiKey)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))
