"""Real-time seat map: a client listening on the SSE stream sees holds and releases within a second."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest

from infra import seat_map_events
from infra.db import SessionMaker
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, seat_ids

pytestmark = pytest.mark.usefixtures("worker")


async def next_event(lines: Any) -> dict[str, Any]:
    async for line in lines:
        if line.startswith("data: "):
            return json.loads(line[len("data: "):])  # type: ignore[no-any-return]
    raise AssertionError("stream ended")


async def test_holds_and_releases_reach_listeners_within_a_second(client: httpx.AsyncClient, make_user: Any,
                                                                  sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    ids = await seat_ids(sessionmaker, showtime.id, "B7", "B8")
    async with client.stream("GET", f"/api/showtimes/{showtime.id}/seats/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        assert await anext(lines) == ": connected"
        started = time.monotonic()
        held = await lock(client, customer, showtime.id, ids)
        event = await asyncio.wait_for(next_event(lines), timeout=5)
        assert time.monotonic() - started < 1.5  # the lock request itself included
        assert event["status"] == "Locked" and sorted(event["seatIds"]) == sorted(ids)
        booking = held.json()["bookingId"]
        assert (await client.delete(f"/api/bookings/{booking}/hold", headers=customer.headers)).status_code == 204
        released = await asyncio.wait_for(next_event(lines), timeout=5)
        assert released["status"] == "Available" and released["version"] == event["version"] + 1


async def test_cached_seat_map_is_never_older_than_the_last_event(redis: Any) -> None:
    showtime_id, loads, cache = uuid.uuid4(), [], seat_map_events.SeatMapCache(redis)

    async def load() -> bytes:
        loads.append(1)
        return json.dumps({"n": len(loads)}).encode()

    assert await cache.cached(showtime_id) is None and not loads  # not cached: only `get` builds it
    first = await cache.get(showtime_id, load)
    assert await cache.get(showtime_id, load) == await cache.cached(showtime_id) == first  # from the cache
    assert await seat_map_events.SeatMapCache(redis).get(showtime_id, load) == first  # another API process too
    await seat_map_events.publish(redis, showtime_id=showtime_id, status="Locked", seat_ids=[uuid.uuid4()])
    assert await cache.cached(showtime_id) is None  # a change: the cached map is no longer current
    assert await cache.get(showtime_id, load) == b'{"n": 2}'
    await seat_map_events.invalidate(redis, showtime_id=showtime_id)  # the showtime itself changed
    assert await cache.get(showtime_id, load) == b'{"n": 3}'


async def test_a_map_built_while_a_change_commits_is_not_served_after_it(redis: Any) -> None:
    """The loader read the seats before the change's event: what it built is stale at once, not for 30 s,
    for a reader who asks after the event, even while the first build is still being handed out."""
    showtime_id, cache = uuid.uuid4(), seat_map_events.SeatMapCache(redis)
    later: list[asyncio.Task[bytes]] = []

    async def after() -> bytes:
        return b'{"after": "the change"}'

    async def before_then_change() -> bytes:
        await seat_map_events.publish(redis, showtime_id=showtime_id, status="Locked", seat_ids=[uuid.uuid4()])
        later.append(asyncio.create_task(cache.get(showtime_id, after)))  # asks after the event
        await asyncio.sleep(0.05)
        return b'{"before": "the change"}'

    assert await cache.get(showtime_id, before_then_change) == b'{"before": "the change"}'
    assert await later[0] == b'{"after": "the change"}'
    assert await cache.get(showtime_id, after) == b'{"after": "the change"}'


async def test_readers_of_a_missing_map_share_one_build(redis: Any) -> None:
    """Many customers open the same seat map at once: PostgreSQL builds it once, and everyone gets it."""
    showtime_id, loads, cache = uuid.uuid4(), [], seat_map_events.SeatMapCache(redis)

    async def load() -> bytes:
        loads.append(1)
        await asyncio.sleep(0.05)
        return b'{"seats": []}'

    answers = await asyncio.gather(*(cache.get(showtime_id, load) for _ in range(20)))
    assert answers == [b'{"seats": []}'] * 20 and len(loads) == 1


async def test_a_failed_build_reaches_every_reader_and_is_not_cached(redis: Any) -> None:
    showtime_id, cache = uuid.uuid4(), seat_map_events.SeatMapCache(redis)

    async def unknown() -> bytes:
        raise LookupError("No such showtime.")

    results = await asyncio.gather(*(cache.get(showtime_id, unknown) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(result, LookupError) for result in results)

    async def found() -> bytes:
        return b"{}"

    assert await cache.get(showtime_id, found) == b"{}"


async def test_the_served_seat_map_follows_every_change(client: httpx.AsyncClient, make_user: Any,
                                                        sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    url = f"/api/showtimes/{showtime.id}/available-seats"

    async def status_of(label: str) -> str:
        seat_map = (await client.get(url)).json()
        return next(s["status"] for s in seat_map["seats"] if f"{s['row']}{s['number']}" == label)

    assert await status_of("B5") == "Available"  # now cached
    held = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B5", "B6"))
    assert await status_of("B5") == "Locked"
    assert (await client.delete(f"/api/bookings/{held.json()['bookingId']}/hold",
                                headers=customer.headers)).status_code == 204
    for _ in range(50):
        if await status_of("B5") == "Available":
            break
        await asyncio.sleep(0.1)
    assert await status_of("B5") == "Available"
