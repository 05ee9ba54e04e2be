"""A 100%-off voucher at checkout (issue 11, item 7): the booking costs nothing, so it is confirmed at once
without a gateway, with its ticket, and no payment is recorded (a payment of 0 VND does not exist)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from domain.bookings.models import BookingStatus
from domain.shared.roles import Role
from domain.showtimes.models import SeatStatus
from infra.db import SessionMaker
from tests.api.test_booking_flow import money_consistent, wait_for_booking
from tests.api.test_bookings import lock
from tests.api.test_promotions import create
from tests.bookings_support import make_showtime, seat_ids, seats
from tests.payments_support import payments_of_booking

pytestmark = pytest.mark.usefixtures("worker")


async def test_a_100_percent_voucher_confirms_the_booking_without_a_gateway(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    admin, customer = await make_user(Role.ADMIN), await make_user()
    voucher = await create(client, admin, value=100, minPurchase=0, maxDiscount=10_000_000)
    showtime = await make_showtime(sessionmaker)
    held = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))
    assert held.status_code == 201, held.text
    booking_id = held.json()["bookingId"]
    response = await client.post("/api/bookings", headers=customer.headers,
                                 json={"bookingId": booking_id, "paymentMethod": "VNPay",
                                       "voucherCode": voucher["code"]})
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["finalAmount"], order["discount"], order["paymentId"], order["paymentUrl"]) == (
        0, held.json()["totalAmount"], None, None)
    booking = await wait_for_booking(sessionmaker, booking_id, BookingStatus.CONFIRMED)
    assert booking.qr_code and booking.payment_status.value == "Paid"
    states = await seats(sessionmaker, showtime.id)
    assert states["A1"].status is states["A2"].status is SeatStatus.BOOKED
    assert await payments_of_booking(sessionmaker, uuid.UUID(booking_id)) == []
    await money_consistent(sessionmaker, [booking_id])
    cancelled = await client.put(f"/api/bookings/{booking_id}/cancel", headers=customer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["refundAmount"] == 0, cancelled.text
