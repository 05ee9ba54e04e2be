"""Time promotions as data: Admins manage them over HTTP, and customers see them in seat prices (the showtime,
its seat map, the hold), against the real servers. Every promotion made here is deleted when its test ends
(pricing is global: another test's showtime must not meet it)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import delete, func
from sqlmodel import col, select

from domain.bookings.schemas import LockSeatsInput
from domain.promotions import time_promotions
from domain.promotions.models import TimePromotion
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.showtimes.models import SeatType
from domain.showtimes.pricing import PricingPolicy, local, quote, round_vnd
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import make_showtime, seat_ids
from tests.conftest import in_process_api
from tests.domain.showtimes.factories import local_today
from workers.registry import WorkerDeps, _showtime_activities

URL = "/api/promotions/time-promotions"
WEDNESDAY = 2  # weekdays: 0 = Monday
PREFIX = "TEST-TP-"

# Holds answer from the booking saga: a worker must be there.
pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def codes(sessionmaker: SessionMaker) -> AsyncIterator[Any]:
    """Fresh codes for this test; its promotions are deleted (and every cache of them forgotten) at the end."""
    made: list[str] = []

    def new_code() -> str:
        made.append(f"{PREFIX}{uuid.uuid4().hex[:8].upper()}")
        return made[-1]

    yield new_code
    async with unit_of_work(sessionmaker) as session:
        await session.exec(delete(TimePromotion).where(col(TimePromotion.code).in_(made)))  # type: ignore[call-overload]
    time_promotions.forget_cached()


def student_wednesday(code: str, **kw: Any) -> dict[str, Any]:
    return {"code": code, "name": "Student Wednesday -25%", "percentOff": 25, "weekdays": [WEDNESDAY], **kw}


async def count(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return (await session.exec(select(func.count()).select_from(TimePromotion))).one()


async def wednesday_showtime(sessionmaker: SessionMaker) -> Any:
    """A showtime at 20:00 on the next Wednesday, in a theater of its own."""
    showtime = await make_showtime(sessionmaker, days_ahead=(WEDNESDAY - local_today().weekday()) % 7 or 7, hour=20)
    assert local(showtime.start_time).weekday() == WEDNESDAY
    return showtime


def list_price(showtime: Any) -> int:
    return quote(PricingPolicy(), base_price=showtime.base_price, seat_type=SeatType.STANDARD,
                 starts_at=showtime.start_time, now=utcnow()).list_price


def standard(prices: list[dict[str, Any]]) -> dict[str, Any]:
    return next(p for p in prices if p["seatType"] == "Standard")


class TestCustomersSeeThem:
    async def test_student_wednesday_lowers_the_price_until_it_is_switched_off(
            self, client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker, codes: Any) -> None:
        admin, first, second = await make_user(Role.ADMIN), await make_user(), await make_user()
        showtime = await wednesday_showtime(sessionmaker)
        # What the chain's own promotions (the migration's three) make of a Standard seat now, and 25% off.
        before = quote(PricingPolicy(), base_price=showtime.base_price, seat_type=SeatType.STANDARD,
                       starts_at=showtime.start_time, now=utcnow())
        student = round_vnd(Decimal(before.list_price) * 75 / 100)

        made = await client.post(URL, json=student_wednesday(code := codes()), headers=admin.headers)
        assert made.status_code == 201, made.text
        body = made.json()
        assert (body["code"], body["percentOff"], body["weekdays"], body["isActive"]) == (code, 25, [2], True)

        read = (await client.get(f"/api/showtimes/{showtime.id}", headers=first.headers)).json()
        assert read["promotion"] == {"code": code, "name": "Student Wednesday -25%", "percentOff": 25}
        assert standard(read["prices"]) == {"seatType": "Standard", "listPrice": before.list_price, "price": student}
        assert student < before.price, "25% beats whatever the chain's promotions gave"
        seat_map = (await client.get(f"/api/showtimes/{showtime.id}/available-seats")).json()
        a1 = next(s for s in seat_map["seats"] if (s["row"], s["number"]) == ("A", 1))
        assert seat_map["promotion"]["code"] == code and (a1["listPrice"], a1["price"]) == (before.list_price, student)

        held = await client.post("/api/bookings/lock-seats", headers=first.headers, json={
            "showtimeId": str(showtime.id), "seatIds": await seat_ids(sessionmaker, showtime.id, "A1")})
        assert held.status_code == 201, held.text
        assert [s["price"] for s in held.json()["seats"]] == [student] and held.json()["totalAmount"] == student

        off = await client.put(f"{URL}/{body['id']}", json={"isActive": False}, headers=admin.headers)
        assert off.status_code == 200 and off.json()["isActive"] is False
        read = (await client.get(f"/api/showtimes/{showtime.id}")).json()
        assert (read["promotion"] or {}).get("code") != code
        assert standard(read["prices"])["price"] == before.price
        again = await client.post("/api/bookings/lock-seats", headers=second.headers, json={
            "showtimeId": str(showtime.id), "seatIds": await seat_ids(sessionmaker, showtime.id, "A5")})
        assert again.status_code == 201, again.text
        assert again.json()["totalAmount"] == before.price, "the hold is priced without it"
        # The hold changed the seats, so the map is built again, with today's promotions.
        seat_map = (await client.get(f"/api/showtimes/{showtime.id}/available-seats")).json()
        a6 = next(s for s in seat_map["seats"] if (s["row"], s["number"]) == ("A", 6))
        assert (seat_map["promotion"] or {}).get("code") != code and a6["price"] == before.price

        for hold, user in ((held, first), (again, second)):
            gone = await client.delete(f"/api/bookings/{hold.json()['bookingId']}/hold", headers=user.headers)
            assert gone.status_code == 204

    async def test_the_chains_promotions_are_there_and_inactive_ones_only_for_admins(
            self, client: httpx.AsyncClient, make_user: Any, codes: Any) -> None:
        admin, customer = await make_user(Role.ADMIN), await make_user()
        made = (await client.post(URL, json=student_wednesday(codes(), isActive=False), headers=admin.headers)).json()
        listed = await client.get(URL, params={"pageSize": 100})  # no token: the active ones
        assert listed.status_code == 200
        active = {p["code"] for p in listed.json()["items"]}
        assert {"EARLY-BIRD", "HAPPY-TUESDAY", "MORNING-DEAL"} <= active and made["code"] not in active
        assert (await client.get(URL, params={"status": "All"})).status_code == 401
        refused = await client.get(URL, params={"status": "Inactive"}, headers=customer.headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
        inactive = await client.get(URL, params={"status": "Inactive", "pageSize": 100}, headers=admin.headers)
        assert made["code"] in {p["code"] for p in inactive.json()["items"]}
        one = await client.get(f"{URL}/{made['id']}", headers=admin.headers)
        assert one.status_code == 200 and one.json()["isActive"] is False
        assert (await client.get(f"{URL}/{uuid.uuid4()}", headers=admin.headers)).json()["error"]["code"] == (
            "TIME_PROMOTION_NOT_FOUND")


class TestEveryPricerUsesThem:
    async def test_the_workers_seat_claim_too(self, client: httpx.AsyncClient, make_user: Any,
                                              sessionmaker: SessionMaker, redis: Redis, settings: Settings,
                                              codes: Any) -> None:
        """Sagas from before the edge hold claim seats in the worker (ShowtimeActivities.lock_seats)."""
        admin = await make_user(Role.ADMIN)
        showtime = await wednesday_showtime(sessionmaker)
        made = await client.post(URL, json=student_wednesday(codes()), headers=admin.headers)
        assert made.status_code == 201, made.text
        for pricing, off in (({}, 25), ({"promotions": []}, 0)):  # the old setting, when set, still wins
            deps = WorkerDeps(sessionmaker=sessionmaker, redis=redis, settings=settings.model_copy(
                update={"showtimes": settings.showtimes.model_copy(update={"pricing": pricing})}))
            lock_seats = next(a for a in _showtime_activities(deps) if a.__name__ == "lock_seats")
            label = "A1" if off else "A5"
            booking_id = uuid.uuid4()
            lines = await lock_seats(LockSeatsInput(
                booking_id=booking_id, user_id=uuid.uuid4(), showtime_id=showtime.id, max_seats=8,
                seat_ids=[uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, label)],
                until=utcnow() + timedelta(minutes=5)))
            assert [line.price for line in lines] == [round_vnd(Decimal(list_price(showtime)) * (100 - off) / 100)]
            await deps.aclose()

    async def test_the_old_setting_still_wins_at_the_api(self, client: httpx.AsyncClient, make_user: Any,
                                                         sessionmaker: SessionMaker, settings: Settings,
                                                         codes: Any) -> None:
        admin = await make_user(Role.ADMIN)
        showtime = await wednesday_showtime(sessionmaker)
        assert (await client.post(URL, json=student_wednesday(codes()), headers=admin.headers)).status_code == 201
        overridden = settings.model_copy(update={
            "showtimes": settings.showtimes.model_copy(update={"pricing": {"promotions": []}})})
        async with in_process_api(overridden) as other:
            read = (await other.get(f"/api/showtimes/{showtime.id}")).json()
        assert read["promotion"] is None
        assert standard(read["prices"])["price"] == standard(read["prices"])["listPrice"] == list_price(showtime)
        assert (await client.get(f"/api/showtimes/{showtime.id}")).json()["promotion"]["percentOff"] == 25


class TestOnlyAdminsManageThem:
    @pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF, Role.MANAGER])
    async def test_others_are_403(self, client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker,
                                  codes: Any, role: Role) -> None:
        admin, user = await make_user(Role.ADMIN), await make_user(role)
        made = (await client.post(URL, json=student_wednesday(codes(), isActive=False), headers=admin.headers)).json()
        before = await count(sessionmaker)
        posted = await client.post(URL, json=student_wednesday(codes()), headers=user.headers)
        put = await client.put(f"{URL}/{made['id']}", json={"isActive": True}, headers=user.headers)
        assert (posted.status_code, put.status_code) == (403, 403)
        assert posted.json()["error"]["code"] == put.json()["error"]["code"] == "FORBIDDEN"
        assert await count(sessionmaker) == before
        assert (await client.get(f"{URL}/{made['id']}", headers=admin.headers)).json()["isActive"] is False

    async def test_a_duplicate_code_is_409_whatever_its_case(self, client: httpx.AsyncClient, make_user: Any,
                                                             codes: Any) -> None:
        admin = await make_user(Role.ADMIN)
        code = codes()
        assert (await client.post(URL, json=student_wednesday(code, isActive=False),
                                  headers=admin.headers)).status_code == 201
        again = await client.post(URL, json=student_wednesday(code.lower()), headers=admin.headers)
        assert again.status_code == 409 and again.json()["error"]["code"] == "TIME_PROMOTION_CODE_TAKEN"


class TestBadInput:
    @pytest.mark.parametrize("bad", [
        {"percentOff": 0}, {"percentOff": 95}, {"validFrom": "2027-03-02", "validUntil": "2027-03-01"},
        {"weekdays": [7]}, {"weekdays": [-1]}, {"weekdays": []}, {"startsFrom": "18:00:00", "startsBefore": "10:00:00"},
        {"startsBefore": "10:00:00+07:00"},
        {"code": "a b"}, {"code": "x"}, {"minDaysAhead": -1}, {"name": ""}, {"createdAt": "2026-01-01T00:00:00Z"},
    ])
    async def test_bad_promotions_are_422_and_nothing_is_made(self, client: httpx.AsyncClient, make_user: Any,
                                                              sessionmaker: SessionMaker, codes: Any,
                                                              bad: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        before = await count(sessionmaker)
        response = await client.post(URL, json={**student_wednesday(codes()), **bad}, headers=admin.headers)
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_ERROR" and error["message"]
        assert await count(sessionmaker) == before

    @pytest.mark.parametrize("bad", [
        {"percentOff": 95}, {"percentOff": None}, {"isActive": None}, {"code": "OTHER"}, {"weekdays": [9]},
        {"startsFrom": "08:00:00Z"},
        {"validFrom": "2027-03-10"},  # after the validUntil it has
        {"startsBefore": "09:00:00"},  # before the startsFrom it has
    ])
    async def test_bad_changes_are_422_and_change_nothing(self, client: httpx.AsyncClient, make_user: Any,
                                                          codes: Any, bad: dict[str, Any]) -> None:
        admin = await make_user(Role.ADMIN)
        made = (await client.post(URL, headers=admin.headers, json=student_wednesday(
            codes(), isActive=False, validUntil="2027-03-01", startsFrom="10:00:00"))).json()
        response = await client.put(f"{URL}/{made['id']}", json=bad, headers=admin.headers)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR", response.text
        assert (await client.get(f"{URL}/{made['id']}", headers=admin.headers)).json() == made

    async def test_null_lifts_a_condition(self, client: httpx.AsyncClient, make_user: Any, codes: Any) -> None:
        admin = await make_user(Role.ADMIN)
        made = (await client.post(URL, headers=admin.headers, json=student_wednesday(
            codes(), isActive=False, validUntil="2027-03-01"))).json()
        changed = await client.put(f"{URL}/{made['id']}", json={"weekdays": None, "percentOff": 30},
                                   headers=admin.headers)
        assert changed.status_code == 200, changed.text
        assert (changed.json()["weekdays"], changed.json()["percentOff"], changed.json()["validUntil"]) == (
            None, 30, "2027-03-01")
        assert changed.json()["updatedAt"] is not None
