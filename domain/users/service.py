"""Use cases of the users context. Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.users.models import UserPreference, UserProfile


async def create_profile(session: AsyncSession, *, user_id: uuid.UUID, email: str, first_name: str = "",
                         last_name: str = "") -> UserProfile:
    """Create the profile and default preferences of a new account (idempotent on user_id)."""
    existing = await session.get(UserProfile, user_id)
    if existing is not None:
        return existing
    profile = UserProfile(id=user_id, email=email, first_name=first_name, last_name=last_name)
    session.add(profile)
    session.add(UserPreference(user_id=user_id))
    await session.flush()
    return profile
