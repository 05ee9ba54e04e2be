"""Use cases of the users context. Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Collection

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import AvatarReplaced, Topic
from domain.shared.images import ImageStore, clean_image
from domain.shared.outbox import emit
from domain.users.errors import AvatarTooLarge, ProfileNotFound
from domain.users.models import UserPreference, UserProfile
from domain.users.repository import UsersRepository
from domain.users.schemas import LoyaltyPublic, PreferencesUpdate, ProfileUpdate


async def create_profile(session: AsyncSession, *, user_id: uuid.UUID, email: str, first_name: str = "",
                         last_name: str = "") -> UserProfile:
    """Create the profile and default preferences of a new account (idempotent on user_id)."""
    repo = UsersRepository(session)
    existing = await repo.profile(user_id)
    if existing is not None:
        return existing
    profile = UserProfile(id=user_id, email=email, first_name=first_name, last_name=last_name)
    await repo.add(profile, UserPreference(user_id=user_id))
    return profile


async def get_profile(session: AsyncSession, *, user_id: uuid.UUID) -> UserProfile:
    """Return the user's profile or raise ProfileNotFound."""
    profile = await UsersRepository(session).profile(user_id)
    if profile is None:
        raise ProfileNotFound("This account has no profile.")
    return profile


async def update_profile(session: AsyncSession, *, user_id: uuid.UUID, changes: ProfileUpdate) -> UserProfile:
    """Apply the fields the caller sent; email, points and tier are not among them."""
    profile = await get_profile(session, user_id=user_id)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(profile, name, value)
    await UsersRepository(session).save(profile)
    return profile


async def set_avatar(session: AsyncSession, storage: ImageStore, *, user_id: uuid.UUID, data: bytes,
                     max_bytes: int) -> UserProfile:
    """Check, re-encode and store an uploaded avatar, then point the profile at it."""
    if len(data) > max_bytes:
        raise AvatarTooLarge(f"The avatar may be at most {max_bytes // 1024} KiB.", {"maxBytes": max_bytes})
    profile = await get_profile(session, user_id=user_id)
    image = await asyncio.to_thread(clean_image, data)
    key = f"avatars/{user_id}/{uuid.uuid4().hex}.{image.extension}"
    old_url, profile.avatar_url = profile.avatar_url, await storage.save(key, image.data, image.content_type)
    await UsersRepository(session).save(profile)
    if old_key := _own_avatar_key(old_url, user_id):  # deleted once this commits (a rollback keeps it in use)
        await emit(session, Topic.USER_AVATAR_REPLACED, AvatarReplaced(user_id=user_id, old_key=old_key),
                   aggregate_id=user_id)
    return profile


def _own_avatar_key(url: str | None, user_id: uuid.UUID) -> str | None:
    """The storage key of an avatar this service stored for the user (`…/avatars/<id>/<name>`), else None."""
    key = "/".join((url or "").split("/")[-3:])
    return key if key.startswith(f"avatars/{user_id}/") else None


async def loyalty(session: AsyncSession, *, user_id: uuid.UUID) -> LoyaltyPublic:
    """Return the user's loyalty points and membership tier."""
    profile = await get_profile(session, user_id=user_id)
    return LoyaltyPublic(points=profile.loyalty_points, membership_tier=profile.membership_tier)


async def add_loyalty_points(session: AsyncSession, *, user_id: uuid.UUID, points: int) -> None:
    """Change the cached balance (the promotions ledger is the record of why)."""
    await UsersRepository(session).add_points(user_id, points)


async def user_ids_by_tier(session: AsyncSession, *, tier: str, after: uuid.UUID | None = None,
                           limit: int = 1000) -> list[uuid.UUID]:
    """One page (id order) of the users of a membership tier."""
    return await UsersRepository(session).ids_by_tier(tier, after=after, limit=limit)


async def take_loyalty_points(session: AsyncSession, *, user_id: uuid.UUID, points: int) -> int | None:
    """Spend points from the cached balance if it has them (never below 0): the balance left, or None."""
    return await UsersRepository(session).take_points(user_id, points)


async def get_preferences(session: AsyncSession, *, user_id: uuid.UUID) -> UserPreference:
    """Return the user's preferences, creating the defaults when missing."""
    repo = UsersRepository(session)
    preference = await repo.preference(user_id)
    if preference is None:
        await get_profile(session, user_id=user_id)
        preference = UserPreference(user_id=user_id)
        await repo.save(preference)
    return preference


async def update_preferences(session: AsyncSession, *, user_id: uuid.UUID,
                             changes: PreferencesUpdate) -> UserPreference:
    """Apply the preference fields the caller sent."""
    preference = await get_preferences(session, user_id=user_id)
    for name, value in changes.model_dump(exclude_unset=True).items():
        setattr(preference, name, value)
    await UsersRepository(session).save(preference)
    return preference


async def profiles_by_id(session: AsyncSession, *,
                         user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, UserProfile]:
    """Return the profiles of these users, keyed by id (missing ones are left out)."""
    return {p.id: p for p in await UsersRepository(session).profiles(user_ids)}
