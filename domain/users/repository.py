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

    async def add_points(self, user_id: uuid.UUID, points: int) -> None:
        """Move the balance in one statement, so concurrent credits never lose one another."""
        stmt = (update(UserProfile).where(col(UserProfile.id) == user_id)
                .values(loyalty_points=UserProfile.loyalty_points + points))
        await self.session.exec(stmt)  # type: ignore[call-overload]
