"""Live seat maps over Redis: change events on pub/sub, and a seat-map cache tagged with a version number.

Every change to a showtime's seats bumps `seatmap:ver:{id}` after the change is committed and publishes it
on `seats:{id}`; a committed change to the showtime itself (reschedule, reprice, cancel) bumps it too
(`invalidate`). The cached map is the response body itself, under `seatmap:{id}` as `{version}\n{json}`:
one MGET of both keys serves it, and only while its version is the current one, so a reader never gets
a map older than the latest committed change ("never stale past one event"). A loader tags what it built
with the version it read *before* reading PostgreSQL, so a change committed meanwhile makes it stale at
once instead of being lost. What changes with time alone (a hold running out, a price band, sales closing
at the start, the lifecycle sweep's Ongoing/Completed) is bounded by CACHE_SECONDS.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.client import NEVER_DECODE

CACHE_SECONDS = 30  # also bounds staleness from time alone (a price band changing, a hold running out)


def _channel(showtime_id: uuid.UUID) -> str:
    return f"seats:{showtime_id}"


def _version_key(showtime_id: uuid.UUID) -> str:
    return f"seatmap:ver:{showtime_id}"


def _map_key(showtime_id: uuid.UUID) -> str:
    return f"seatmap:{showtime_id}"


async def publish(redis: Redis, *, showtime_id: uuid.UUID, status: str, seat_ids: list[uuid.UUID]) -> None:
    """Announce committed seat changes: bump the map's version, then tell the subscribers."""
    version = await redis.incr(_version_key(showtime_id))
    event = {"showtimeId": str(showtime_id), "version": version, "status": status,
             "seatIds": [str(s) for s in seat_ids], "at": datetime.now(UTC).isoformat()}
    await redis.publish(_channel(showtime_id), json.dumps(event))


async def invalidate(redis: Redis, *, showtime_id: uuid.UUID) -> None:
    """After a committed change to the showtime row: the cached map is stale (no event for listeners)."""
    await redis.incr(_version_key(showtime_id))


async def cached_seat_map(redis: Redis, showtime_id: uuid.UUID, load: Callable[[], Awaitable[bytes]]) -> bytes:
    """The seat map's JSON for the current version: from the cache in one round trip, or `load()`ed and
    cached. A cache entry exists only for a showtime `load()` found."""
    version, entry = await redis.execute_command(  # bytes as stored: the body goes out as it is
        "MGET", _version_key(showtime_id), _map_key(showtime_id), **{NEVER_DECODE: True})
    version = version or b"0"
    if entry is not None:
        tag, _, body = entry.partition(b"\n")
        if tag == version:
            return body  # type: ignore[no-any-return]
    body = await load()
    await redis.set(_map_key(showtime_id), version + b"\n" + body, ex=CACHE_SECONDS)
    return body


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
