"""All SQL of the users context."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.users.models import UserPreference, UserProfile


class UsersRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def profile(self, user_id: uuid.UUID) -> UserProfile | None:
        return await self.session.get(UserProfile, user_id)

    async def profiles(self, user_ids: Collection[uuid.UUID]) -> list[UserProfile]:
        if not user_ids:
            return []
        stmt = select(UserProfile).where(col(UserProfile.id).in_(list(user_ids)))
        return list((await self.session.exec(stmt)).all())

    async def preference(self, user_id: uuid.UUID) -> UserPreference | None:
        return await self.session.get(UserPreference, user_id)

    async def add(self, *rows: UserProfile | UserPreference) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def save(self, row: UserProfile | UserPreference) -> None:
        """Flush a change and reload it, so server-set columns (updated_at) are readable without I/O."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

    async def take_points(self, user_id: uuid.UUID, points: int) -> int | None:
        """Take points if the balance has them, in one statement; the balance left, or None if short."""
        stmt = (update(UserProfile).where(col(UserProfile.id) == user_id, col(UserProfile.loyalty_points) >= points)
                .values(loyalty_points=UserProfile.loyalty_points - points).returning(col(UserProfile.loyalty_points)))
        return (await self.session.exec(stmt)).scalar()  # type: ignore[call-overload, no-any-return]

    async def ids_by_tier(self, tier: str, *, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        conditions = [col(UserProfile.membership_tier) == tier]
        if after is not None:
            conditions.append(col(UserProfile.id) > after)
        stmt = select(col(UserProfile.id)).where(*conditions).order_by(col(UserProfile.id)).limit(limit)
        return list((await self.session.exec(stmt)).all())

    async def add_points(self, user_id: uuid.UUID, points: int) -> None:
        """Move the balance in one statement, so concurrent credits never lose one another."""
        stmt = (update(UserProfile).where(col(UserProfile.id) == user_id)
                .values(loyalty_points=UserProfile.loyalty_points + points))
        await self.session.exec(stmt)  # type: ignore[call-overload]
