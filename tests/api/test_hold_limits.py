"""One customer cannot hold a whole theater (issue 11, item 1), and an Idempotency-Key names one hold, ever
(item 8): over HTTP, real servers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from temporalio.client import Client, WorkflowExecutionStatus

from domain.shared.roles import Role
from infra.db import SessionMaker
from infra.settings import Settings
from tests.bookings_support import locked, make_showtime, seat_ids
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("worker")

PAIRS = [("A1", "A2"), ("A3", "A4"), ("A5", "A6"), ("A7", "A8"), ("B1", "B2"), ("B3", "B4"), ("B5", "B6"),
         ("B7", "B8")]


async def lock(client: httpx.AsyncClient, user: Any, showtime_id: Any, ids: list[str],
               key: str | None = None) -> httpx.Response:
    headers = {**user.headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/api/bookings/lock-seats", headers=headers,
                             json={"showtimeId": str(showtime_id), "seatIds": ids})


async def sign_in_again(client: httpx.AsyncClient, user: Any) -> dict[str, str]:
    response = await client.post("/api/auth/login", json={"email": user.email, "password": user.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def test_parallel_holds_by_one_customer_on_one_showtime_hold_one_booking(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    wanted = [await seat_ids(sessionmaker, showtime.id, *pair) for pair in PAIRS]
    answers = await asyncio.gather(*(lock(client, customer, showtime.id, ids) for ids in wanted))
    codes = sorted(a.status_code for a in answers)
    assert codes == [201] + [409] * (len(PAIRS) - 1), [a.text for a in answers]
    refusals = [a.json()["error"] for a in answers if a.status_code == 409]
    winner = next(a.json() for a in answers if a.status_code == 201)
    assert {r["code"] for r in refusals} == {"HOLD_LIMIT_REACHED"}
    assert all(r["details"]["bookingIds"] == [winner["bookingId"]] for r in refusals)
    assert await locked(sessionmaker, showtime.id) == {f"{s['row']}{s['number']}" for s in winner["seats"]}


async def test_a_customer_keeps_at_most_three_live_holds_and_can_hold_again_after_giving_one_back(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    customer = await make_user()
    showtimes = [await make_showtime(sessionmaker, days_ahead=3 + i) for i in range(4)]
    held = []
    for showtime in showtimes[:3]:
        response = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))
        assert response.status_code == 201, response.text
        held.append(response.json()["bookingId"])
    fourth = await seat_ids(sessionmaker, showtimes[3].id, "A1", "A2")
    refused = await lock(client, customer, showtimes[3].id, fourth)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "HOLD_LIMIT_REACHED"
    assert sorted(refused.json()["error"]["details"]["bookingIds"]) == sorted(held)
    assert await locked(sessionmaker, showtimes[3].id) == set()

    assert (await client.delete(f"/api/bookings/{held[0]}/hold", headers=customer.headers)).status_code == 204
    await eventually(lambda: locked(sessionmaker, showtimes[0].id), lambda seats: seats == set())  # the saga frees
    assert (await lock(client, customer, showtimes[3].id, fourth)).status_code == 201


async def test_staff_selling_at_the_counter_are_not_capped(client: httpx.AsyncClient, make_user: Any,
                                                           sessionmaker: SessionMaker) -> None:
    showtime, staff = await make_showtime(sessionmaker), await make_user(Role.STAFF)
    for pair in PAIRS[:3]:
        response = await lock(client, staff, showtime.id, await seat_ids(sessionmaker, showtime.id, *pair))
        assert response.status_code == 201, response.text


async def test_lock_attempts_are_rate_limited_per_customer(client: httpx.AsyncClient, make_user: Any,
                                                           sessionmaker: SessionMaker, settings: Settings) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    taken = await seat_ids(sessionmaker, showtime.id, "A1", "A2")
    assert (await lock(client, await make_user(), showtime.id, taken)).status_code == 201
    answers = await asyncio.gather(*(lock(client, customer, showtime.id, taken)
                                     for _ in range(settings.lock_rate_limit + 5)))
    codes = [a.status_code for a in answers]
    assert codes.count(409) == settings.lock_rate_limit and codes.count(429) == 5, codes
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.json()["error"]["code"] == "RATE_LIMITED" and int(limited.headers["Retry-After"]) >= 1
    # Another customer is not slowed down by this one.
    other = await lock(client, await make_user(), showtime.id, await seat_ids(sessionmaker, showtime.id, "B1", "B2"))
    assert other.status_code == 201


async def test_an_idempotency_key_whose_hold_ended_holds_nothing_again(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker, redis: Redis,
        temporal: Client) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    ids = await seat_ids(sessionmaker, showtime.id, "A1", "A2")
    first = await lock(client, customer, showtime.id, ids, key="my-hold")
    assert first.status_code == 201, first.text
    booking_id = first.json()["bookingId"]
    handle = temporal.get_workflow_handle(f"booking-{booking_id}")

    # The same key with a fresh sign-in is the same request: the same answer, nothing new held.
    again = await client.post("/api/bookings/lock-seats", headers={**await sign_in_again(client, customer),
                                                                   "Idempotency-Key": "my-hold"},
                              json={"showtimeId": str(showtime.id), "seatIds": ids})
    assert again.status_code == 201 and again.headers.get("idempotent-replayed") == "true"
    assert again.json()["bookingId"] == booking_id

    assert (await client.delete(f"/api/bookings/{booking_id}/hold", headers=customer.headers)).status_code == 204

    async def ended() -> None:
        assert (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING
    await eventually(ended)
    # Long after, the remembered answer is gone (24 h in Redis): the key must still not hold a second time.
    async for key in redis.scan_iter("idem:*"):
        await redis.delete(key)
    late = await lock(client, customer, showtime.id, ids, key="my-hold")
    assert late.status_code == 409, late.text
    assert late.json()["error"]["code"] == "HOLD_ENDED" and late.json()["error"]["details"]["bookingId"] == booking_id
    assert await locked(sessionmaker, showtime.id) == set()
    runs = [w async for w in temporal.list_workflows(f"WorkflowId = 'booking-{booking_id}'")]
    assert len(runs) == 1
