"""Reading bookings, the QR ticket, the booking history, and check-in at the door, over HTTP."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col

from domain.shared.roles import Role
from domain.showtimes.models import SeatStatus, Showtime
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import confirmed_booking, make_showtime, seats

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def booked(sessionmaker: SessionMaker, redis: Redis, make_user: Any,
                 settings: Settings) -> tuple[Any, Any, Any]:
    """(customer, showtime, booking id) with B3-B4 paid."""
    customer, showtime = await make_user(), await make_showtime(sessionmaker)
    booking_id = await confirmed_booking(sessionmaker, redis, user_id=customer.id, showtime=showtime,
                                         labels=["B3", "B4"],
                                         secret=settings.ticket_secret.get_secret_value())
    return customer, showtime, booking_id


async def _starts_in(sessionmaker: SessionMaker, showtime: Any, delta: timedelta) -> None:
    from domain.shared.time import utcnow

    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(Showtime).where(col(Showtime.id) == showtime.id)  # type: ignore[call-overload]
                           .values(start_time=utcnow() + delta, end_time=utcnow() + delta + timedelta(hours=2)))


class TestReading:
    async def test_owner_and_staff_see_it_others_do_not(self, client: httpx.AsyncClient, make_user: Any,
                                                        booked: tuple[Any, Any, Any]) -> None:
        customer, showtime, booking_id = booked
        mine = await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)
        assert mine.status_code == 200
        body = mine.json()
        assert body["status"] == "Confirmed" and body["paymentStatus"] == "Paid"
        assert [f"{s['row']}{s['number']}" for s in body["seats"]] == ["B3", "B4"]
        assert body["finalAmount"] == body["totalAmount"] > 0 and body["qrCode"].startswith("CT1.")
        stranger = await client.get(f"/api/bookings/{booking_id}", headers=(await make_user()).headers)
        assert stranger.status_code == 404
        staff = await client.get(f"/api/bookings/{booking_id}", headers=(await make_user(Role.STAFF)).headers)
        assert staff.status_code == 200

    async def test_my_bookings_and_history(self, client: httpx.AsyncClient, booked: tuple[Any, Any, Any]) -> None:
        customer, _, booking_id = booked
        mine = (await client.get("/api/bookings/my-bookings", headers=customer.headers)).json()
        assert mine["total"] == 1 and mine["items"][0]["id"] == str(booking_id)
        history = (await client.get("/api/users/booking-history", headers=customer.headers)).json()
        item = history["items"][0]
        assert item["bookingId"] == str(booking_id) and item["seats"] == ["B3", "B4"]
        assert item["movieTitle"].startswith("Phim thử") and item["cinemaName"].startswith("Rạp thử")

    async def test_ticket_image(self, client: httpx.AsyncClient, booked: tuple[Any, Any, Any]) -> None:
        customer, _, booking_id = booked
        image = await client.get(f"/api/bookings/{booking_id}/ticket.svg", headers=customer.headers)
        assert image.status_code == 200 and image.headers["content-type"] == "image/svg+xml"
        assert image.text.lstrip().startswith("<?xml") and "<svg" in image.text


class TestCancel:
    async def test_cancel_needs_no_body(self, client: httpx.AsyncClient, booked: tuple[Any, Any, Any]) -> None:
        customer, _, booking_id = booked
        cancelled = await client.put(f"/api/bookings/{booking_id}/cancel", headers=customer.headers)
        assert cancelled.status_code == 200 and cancelled.json()["refundPercent"] == 100


class TestCheckIn:
    async def _scan(self, client: httpx.AsyncClient, staff: Any, booking_id: Any, code: str,
                    showtime_id: Any) -> httpx.Response:
        return await client.post(f"/api/bookings/{booking_id}/validate", headers=staff.headers,
                                 json={"qrCode": code, "showtimeId": str(showtime_id)})

    async def test_valid_once_even_when_scanned_twice_at_once(self, client: httpx.AsyncClient, make_user: Any,
                                                              sessionmaker: SessionMaker,
                                                              booked: tuple[Any, Any, Any]) -> None:
        customer, showtime, booking_id = booked
        await _starts_in(sessionmaker, showtime, timedelta(minutes=10))
        code = (await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)).json()["qrCode"]
        staff = await make_user(Role.STAFF)
        scans = await asyncio.gather(*(self._scan(client, staff, booking_id, code, showtime.id) for _ in range(3)))
        assert sorted(s.status_code for s in scans) == [200, 409, 409]
        admitted = next(s for s in scans if s.status_code == 200).json()
        assert admitted["seats"] == ["B3", "B4"] and admitted["idCheck"] is False
        repeat = next(s for s in scans if s.status_code == 409).json()["error"]
        assert repeat["code"] == "TICKET_ALREADY_USED"

    async def test_refusals_say_why(self, client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker,
                                    booked: tuple[Any, Any, Any]) -> None:
        customer, showtime, booking_id = booked
        code = (await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)).json()["qrCode"]
        staff = await make_user(Role.STAFF)
        early = await self._scan(client, staff, booking_id, code, showtime.id)  # the show is days away
        assert early.status_code == 409 and early.json()["error"]["code"] == "TOO_EARLY"
        other = await make_showtime(sessionmaker)
        wrong = await self._scan(client, staff, booking_id, code, other.id)
        assert wrong.json()["error"]["code"] == "WRONG_SHOWTIME"
        forged = await self._scan(client, staff, booking_id, code[:-3] + "abc", showtime.id)
        assert forged.json()["error"]["code"] == "TICKET_INVALID"
        await _starts_in(sessionmaker, showtime, timedelta(hours=-1))
        late = await self._scan(client, staff, booking_id, code, showtime.id)
        assert late.json()["error"]["code"] == "TOO_LATE"

    async def test_a_checked_in_booking_cannot_be_cancelled(self, client: httpx.AsyncClient, make_user: Any,
                                                            sessionmaker: SessionMaker,
                                                            booked: tuple[Any, Any, Any]) -> None:
        customer, showtime, booking_id = booked
        await _starts_in(sessionmaker, showtime, timedelta(minutes=10))
        code = (await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)).json()["qrCode"]
        staff = await make_user(Role.STAFF)
        assert (await self._scan(client, staff, booking_id, code, showtime.id)).status_code == 200
        refused = await client.put(f"/api/bookings/{booking_id}/cancel", headers=customer.headers)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "BOOKING_CHECKED_IN"
        by_staff = await client.put(f"/api/bookings/{booking_id}/cancel", headers=staff.headers,
                                    json={"refundPercent": 100, "reason": "asked at the door"})
        assert by_staff.status_code == 409 and by_staff.json()["error"]["code"] == "BOOKING_CHECKED_IN"
        after = (await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)).json()
        assert after["status"] == "Confirmed"
        states = {label: s.status for label, s in (await seats(sessionmaker, showtime.id)).items()}
        assert states["B3"] is SeatStatus.BOOKED and states["B4"] is SeatStatus.BOOKED

    async def test_customers_cannot_check_in(self, client: httpx.AsyncClient, booked: tuple[Any, Any, Any]) -> None:
        customer, showtime, booking_id = booked
        response = await self._scan(client, customer, booking_id, "CT1.x.y.zzzzzzzzzz", showtime.id)
        assert response.status_code == 403
