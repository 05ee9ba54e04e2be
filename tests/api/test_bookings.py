"""Holding seats over HTTP: the API claims them in PostgreSQL and starts BookingWorkflow for a winner (real servers)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from temporalio.client import Client

from api.sagas import hold_seats
from domain.bookings.schemas import BookingInput
from domain.shared.errors import DomainError
from domain.shared.roles import Role
from domain.showtimes.pricing import PricingPolicy
from infra.db import SessionMaker
from infra.settings import Settings
from infra.temporal import connect_temporal
from tests.bookings_support import locked, make_showtime, seat_ids
from tests.eventually import eventually
from tests.tcp_gate import TcpGate

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def showtime(sessionmaker: SessionMaker) -> Any:
    return await make_showtime(sessionmaker)


async def lock(client: httpx.AsyncClient, user: Any, showtime_id: Any, ids: list[str],
               key: str | None = None) -> httpx.Response:
    headers = {**user.headers, **({"Idempotency-Key": key} if key else {})}
    return await client.post("/api/bookings/lock-seats", headers=headers,
                             json={"showtimeId": str(showtime_id), "seatIds": ids})


class TestLockSeats:
    async def test_holds_seats_with_prices_and_expiry(self, client: httpx.AsyncClient, make_user: Any,
                                                      sessionmaker: SessionMaker, showtime: Any) -> None:
        customer = await make_user()
        ids = await seat_ids(sessionmaker, showtime.id, "B4", "B5")
        response = await lock(client, customer, showtime.id, ids)
        assert response.status_code == 201, response.text
        body = response.json()
        assert sorted(s["row"] + str(s["number"]) for s in body["seats"]) == ["B4", "B5"]
        assert all(s["type"] == "VIP" and s["price"] > 90_000 for s in body["seats"])
        assert body["totalAmount"] == sum(s["price"] for s in body["seats"])
        assert body["state"] == "SEATS_LOCKED"
        assert (datetime.fromisoformat(body["expiresAt"]) - datetime.now().astimezone()).total_seconds() > 20
        assert await locked(sessionmaker, showtime.id) == {"B4", "B5"}

        seat_map = (await client.get(f"/api/showtimes/{showtime.id}/available-seats")).json()
        shown = {f"{s['row']}{s['number']}": s["status"] for s in seat_map["seats"]}
        assert shown["B4"] == shown["B5"] == "Locked" and shown["B6"] == "Available"

    async def test_taken_seats_are_409_naming_them_and_nothing_is_held(self, client: httpx.AsyncClient,
                                                                      make_user: Any, sessionmaker: SessionMaker,
                                                                      showtime: Any) -> None:
        first, second = await make_user(), await make_user()
        assert (await lock(client, first, showtime.id,
                           await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).status_code == 201
        response = await lock(client, second, showtime.id, await seat_ids(sessionmaker, showtime.id, "A2", "A3"))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "SEATS_UNAVAILABLE" and error["details"]["seats"] == ["A2"]
        assert await locked(sessionmaker, showtime.id) == {"A1", "A2"}

    async def test_a_lone_seat_is_refused_with_a_suggestion(self, client: httpx.AsyncClient, make_user: Any,
                                                            sessionmaker: SessionMaker, showtime: Any) -> None:
        response = await lock(client, await make_user(), showtime.id,
                              await seat_ids(sessionmaker, showtime.id, "A6", "A7"))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "ORPHAN_SEAT" and error["details"]["orphanSeats"] == ["A5"]
        assert await locked(sessionmaker, showtime.id) == set()

    async def test_too_many_seats_and_half_a_couple(self, client: httpx.AsyncClient, make_user: Any,
                                                    sessionmaker: SessionMaker, showtime: Any) -> None:
        customer = await make_user()
        nine = await seat_ids(sessionmaker, showtime.id, *(f"B{n}" for n in range(1, 10)))
        too_many = await lock(client, customer, showtime.id, nine)
        assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "TOO_MANY_SEATS"
        half = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "C1"))
        assert half.status_code == 422 and half.json()["error"]["code"] == "COUPLE_SEATS_IN_PAIRS"
        assert await locked(sessionmaker, showtime.id) == set()

    async def test_same_idempotency_key_same_hold(self, client: httpx.AsyncClient, make_user: Any,
                                                  sessionmaker: SessionMaker, showtime: Any) -> None:
        customer = await make_user()
        ids = await seat_ids(sessionmaker, showtime.id, "A9", "A10")
        first = await lock(client, customer, showtime.id, ids, key="tap-1")
        again = await lock(client, customer, showtime.id, ids, key="tap-1")
        assert first.status_code == again.status_code == 201
        assert first.json()["bookingId"] == again.json()["bookingId"]

    async def test_bad_input_is_422(self, client: httpx.AsyncClient, make_user: Any, showtime: Any) -> None:
        customer = await make_user()
        for body in ({"showtimeId": str(showtime.id), "seatIds": []}, {"showtimeId": "x", "seatIds": ["y"]}):
            response = await client.post("/api/bookings/lock-seats", json=body, headers=customer.headers)
            assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR"

    async def test_unknown_showtime_is_404(self, client: httpx.AsyncClient, make_user: Any) -> None:
        response = await lock(client, await make_user(), uuid.uuid4(), [str(uuid.uuid4())])
        assert response.status_code == 404


class TestReleaseHold:
    async def test_owner_gives_seats_back_others_cannot(self, client: httpx.AsyncClient, make_user: Any,
                                                        sessionmaker: SessionMaker, showtime: Any) -> None:
        owner, stranger = await make_user(), await make_user()
        booking = (await lock(client, owner, showtime.id,
                              await seat_ids(sessionmaker, showtime.id, "B1", "B2"))).json()["bookingId"]
        refused = await client.delete(f"/api/bookings/{booking}/hold", headers=stranger.headers)
        assert refused.status_code == 404 and await locked(sessionmaker, showtime.id) == {"B1", "B2"}
        released = await client.delete(f"/api/bookings/{booking}/hold", headers=owner.headers)
        assert released.status_code == 204
        for _ in range(50):
            if not await locked(sessionmaker, showtime.id):
                break
            await asyncio.sleep(0.1)
        assert await locked(sessionmaker, showtime.id) == set()


class TestRace:
    async def test_50_customers_racing_for_10_seats(self, client: httpx.AsyncClient, make_user: Any,
                                                    sessionmaker: SessionMaker, temporal: Client) -> None:
        showtime = await make_showtime(sessionmaker, layout={"rows": 2, "seatsPerRow": 10, "aisles": [],
                                                             "vipRows": [], "coupleRows": [], "brokenSeats": []})
        labels = [f"A{n}" for n in range(1, 11)]
        ids = dict(zip(labels, await seat_ids(sessionmaker, showtime.id, *labels), strict=True))
        customers = [await make_user(Role.CUSTOMER) for _ in range(50)]
        # Everyone wants two adjacent seats among A1..A10 (pairs that leave no lone seat).
        pairs = [(labels[i], labels[i + 1]) for i in range(0, 10, 2)]
        picks = [pairs[n % len(pairs)] for n in range(50)]
        responses = await asyncio.gather(*(lock(client, who, showtime.id, [ids[a], ids[b]])
                                           for who, (a, b) in zip(customers, picks, strict=True)))
        codes = [r.status_code for r in responses]
        assert codes.count(201) == 5 and codes.count(409) == 45, codes
        won = [label for r in responses if r.status_code == 201 for label in
               (f"{s['row']}{s['number']}" for s in r.json()["seats"])]
        assert sorted(won) == sorted(labels)  # every seat sold once, none twice
        assert await locked(sessionmaker, showtime.id) == set(labels)
        # Only the 5 winners started a saga: a losing attempt never reaches Temporal.
        sagas = f'WorkflowType = "BookingWorkflow" AND ShowtimeId = "{showtime.id}"'
        await eventually(lambda: temporal.count_workflows(sagas), lambda n: n.count >= 5)
        await asyncio.sleep(1)  # visibility lags a little: give any extra start the time to show
        assert (await temporal.count_workflows(sagas)).count == 5
        # Every winner gives up: no seat stays Locked once all sagas have ended.
        for who, response in zip(customers, responses, strict=True):
            if response.status_code == 201:
                booking = response.json()["bookingId"]
                assert (await client.delete(f"/api/bookings/{booking}/hold", headers=who.headers)).status_code == 204
        for _ in range(100):
            if not await locked(sessionmaker, showtime.id):
                break
            await asyncio.sleep(0.1)
        assert await locked(sessionmaker, showtime.id) == set()


class TestTemporalAway:
    async def test_no_saga_can_start_then_503_and_the_seats_are_free_again(
            self, sessionmaker: SessionMaker, redis: Redis, showtime: Any, settings: Settings) -> None:
        host, port = settings.resolved_temporal_address.rsplit(":", 1)
        gate = TcpGate(host, int(port))
        await gate.open()
        away = await connect_temporal(gate.address)
        await gate.close()  # Temporal goes away after the API connected
        ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, "A7", "A8")]
        booking = BookingInput(booking_id=uuid.uuid4(), user_id=uuid.uuid4(), showtime_id=showtime.id,
                               hold_seconds=60, max_seats=8)
        with pytest.raises(DomainError) as refused:
            await hold_seats(away, sessionmaker, redis, booking=booking, seat_ids=ids, policy=PricingPolicy())
        assert (refused.value.status_code, refused.value.code) == (503, "SERVICE_UNAVAILABLE")
        assert await locked(sessionmaker, showtime.id) == set()
