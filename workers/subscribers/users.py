"""The users service cleans up after itself: an avatar replaced by a new one is deleted once the new one is
committed (event user.avatar.replaced), so old uploads do not pile up in the media directory."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import AvatarReplaced, EventEnvelope, Topic
from domain.shared.images import ImageStore
from infra.events.consumer import Subscription


def old_avatars(storage: ImageStore) -> Subscription:
    """user.avatar.replaced → delete the old file (deleting it again, or a file already gone, is fine)."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, AvatarReplaced)
        await storage.delete(data.old_key)

    return Subscription(group="users.old-avatars", schema="users", topics=(Topic.USER_AVATAR_REPLACED,),
                        handle=handle)
