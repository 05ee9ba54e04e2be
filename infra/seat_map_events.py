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

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

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


Load = Callable[[], Awaitable[bytes]]


class SeatMapCache:
    """Cached seat maps, read in batches: the reads that arrive while one batch is at Redis go together in
    the next, one pipeline with one MGET per showtime however many readers wait for it (in an on-sale
    everyone reads the same map). A reader only joins a batch that has not been sent yet, so what it gets
    is as new as the moment it asked. A missing map is built once per batch, by the first `load` a reader
    of the batch brought, for all of that batch's readers of the showtime."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._next: dict[uuid.UUID, tuple[asyncio.Future[bytes | None], Load | None]] = {}
        self._sending = False
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while they run

    async def get(self, showtime_id: uuid.UUID, load: Load) -> bytes:
        """The seat map's JSON for the current version: from the cache, or `load()`ed and cached. An entry
        exists only for a showtime `load()` found, so an unknown id always reaches `load`."""
        body = await self._join(showtime_id, load)
        assert body is not None  # a batch with a load always builds what is missing
        return body

    async def cached(self, showtime_id: uuid.UUID) -> bytes | None:
        """The seat map's JSON if the current version is cached (None: only `get` can build it)."""
        return await self._join(showtime_id, None)

    async def _join(self, showtime_id: uuid.UUID, load: Load | None) -> bytes | None:
        waiting = self._next.get(showtime_id)
        if waiting is None:
            loop = asyncio.get_running_loop()
            future: asyncio.Future[bytes | None] = loop.create_future()
            future.add_done_callback(_retrieve)
            waiting = self._next[showtime_id] = (future, load)
            if not self._sending:
                self._sending = True
                loop.call_soon(self._send)  # after this turn's other requests have joined
        elif waiting[1] is None and load is not None:
            waiting = self._next[showtime_id] = (waiting[0], load)
        return await asyncio.shield(waiting[0])  # a reader that goes away does not cancel the others

    def _send(self) -> None:
        batch, self._next = self._next, {}
        self._spawn(self._read(batch))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read(self, batch: dict[uuid.UUID, tuple[asyncio.Future[bytes | None], Load | None]]) -> None:
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for showtime_id in batch:
                    pipe.execute_command("MGET", _version_key(showtime_id), _map_key(showtime_id),
                                         **{NEVER_DECODE: True})  # bytes as stored: the body goes out as it is
                replies = await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - handed to every reader of the batch
            for future, _ in batch.values():
                future.set_exception(exc)
            return
        finally:
            if self._next:
                self._send()  # the readers that came while this batch was out
            else:
                self._sending = False
        for (showtime_id, (future, load)), (version, entry) in zip(batch.items(), replies, strict=True):
            version = version or b"0"
            tag, _, body = (entry or b"").partition(b"\n")
            if entry is not None and tag == version:
                future.set_result(body)
            elif load is None:
                future.set_result(None)
            else:
                self._spawn(self._build(showtime_id, version, future, load))

    async def _build(self, showtime_id: uuid.UUID, version: bytes, future: asyncio.Future[bytes | None],
                     load: Load) -> None:
        # Tagged with the version read before the load: a change committed meanwhile makes it stale at once.
        try:
            body = await load()
            await self._redis.set(_map_key(showtime_id), version + b"\n" + body, ex=CACHE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - e.g. ShowtimeNotFound, for every reader of this batch
            future.set_exception(exc)
        else:
            future.set_result(body)


def _retrieve(future: asyncio.Future[bytes | None]) -> None:
    if not future.cancelled():
        future.exception()  # read here, so a failure nobody waits for any more is not logged as unretrieved


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
