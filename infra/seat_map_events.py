"""Live seat maps over Redis: change events on pub/sub, and a seat-map cache keyed by a version number.

Every change to a showtime's seats bumps `seatmap:ver:{id}` after the change is committed and publishes it
on `seats:{id}`. Cached seat maps live under `seatmap:{id}:{version}`, so a reader never gets a map older
than the latest committed change: "never stale past one event", without racing invalidations.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

CACHE_SECONDS = 30  # also bounds staleness from time alone (a price band changing, a hold running out)


def _channel(showtime_id: uuid.UUID) -> str:
    return f"seats:{showtime_id}"


def _version_key(showtime_id: uuid.UUID) -> str:
    return f"seatmap:ver:{showtime_id}"


async def publish(redis: Redis, *, showtime_id: uuid.UUID, status: str, seat_ids: list[uuid.UUID]) -> None:
    """Announce committed seat changes: bump the map's version, then tell the subscribers."""
    version = await redis.incr(_version_key(showtime_id))
    event = {"showtimeId": str(showtime_id), "version": version, "status": status,
             "seatIds": [str(s) for s in seat_ids], "at": datetime.now(UTC).isoformat()}
    await redis.publish(_channel(showtime_id), json.dumps(event))


async def cached_seat_map(redis: Redis, showtime_id: uuid.UUID, load: Callable[[], Awaitable[dict[str, Any]]],
                          *, revision: datetime | None = None) -> dict[str, Any]:
    """The seat map for the current version: from the cache, or loaded and cached. `revision` (the
    showtime row's updated_at) makes a rescheduled, repriced or cancelled showtime a new entry too."""
    version = int(await redis.get(_version_key(showtime_id)) or 0)
    key = f"seatmap:{showtime_id}:{version}:{revision.timestamp() if revision else 0}"
    cached = await redis.get(key)
    if cached is not None:
        return json.loads(cached)  # type: ignore[no-any-return]
    seat_map = await load()
    await redis.set(key, json.dumps(seat_map), ex=CACHE_SECONDS)
    return seat_map


async def changes(redis: Redis, showtime_id: uuid.UUID, *, heartbeat: float = 15.0) -> AsyncIterator[str | None]:
    """The showtime's seat events as JSON strings, and None every `heartbeat` seconds without one."""
    pubsub = redis.pubsub()
    await pubsub.subscribe(_channel(showtime_id))
    try:
        while True:
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=heartbeat)
            yield message["data"] if message else None
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
