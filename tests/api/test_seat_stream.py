"""Real-time seat map: a client listening on the SSE stream sees holds and releases within a second."""

from __future__ import annotations

import asyncio
import json
import time
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
    import uuid

    showtime_id, loads = uuid.uuid4(), []

    async def load() -> bytes:
        loads.append(1)
        return json.dumps({"n": len(loads)}).encode()

    first = await seat_map_events.cached_seat_map(redis, showtime_id, load)
    assert await seat_map_events.cached_seat_map(redis, showtime_id, load) == first  # served from the cache
    await seat_map_events.publish(redis, showtime_id=showtime_id, status="Locked", seat_ids=[uuid.uuid4()])
    assert await seat_map_events.cached_seat_map(redis, showtime_id, load) == b'{"n": 2}'  # a change: reloaded
    await seat_map_events.invalidate(redis, showtime_id=showtime_id)  # the showtime itself changed
    assert await seat_map_events.cached_seat_map(redis, showtime_id, load) == b'{"n": 3}'


async def test_a_map_built_while_a_change_commits_is_not_served_after_it(redis: Any) -> None:
    """The loader read the seats before the change's event: what it caches is stale at once, not for 30 s."""
    import uuid

    showtime_id = uuid.uuid4()

    async def load_then_change() -> bytes:
        await seat_map_events.publish(redis, showtime_id=showtime_id, status="Locked", seat_ids=[uuid.uuid4()])
        return b'{"before": "the change"}'

    async def load() -> bytes:
        return b'{"after": "the change"}'

    assert await seat_map_events.cached_seat_map(redis, showtime_id, load_then_change) == b'{"before": "the change"}'
    assert await seat_map_events.cached_seat_map(redis, showtime_id, load) == b'{"after": "the change"}'


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
