"""The whole booking flow as an app and a customer live it, over HTTP, through the gateway simulators:
hold seats, check out, pay (or cancel) on the gateway's page, get the ticket; cancel and get refunded.
Money is checked at the end of each test: what was paid minus what was refunded equals what the
confirmed bookings cost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlmodel import col, select

from domain.bookings.models import Booking, BookingStatus
from domain.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from domain.showtimes.models import SeatStatus
from infra.db import SessionMaker
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, seat_ids, seats
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("worker")


async def checkout(client: httpx.AsyncClient, user: Any, booking_id: str, method: str) -> dict[str, Any]:
    response = await client.post("/api/bookings", headers=user.headers,
                                 json={"bookingId": booking_id, "paymentMethod": method})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def customer_acts_on_gateway_page(pay_url: str, action: str) -> httpx.Response:
    """What the customer's browser does: open the gateway's page, press Pay or Cancel."""
    async with httpx.AsyncClient(timeout=30) as browser:
        page = await browser.get(pay_url)
        assert page.status_code == 200 and "sandbox" in page.text.lower()
        return await browser.post(pay_url, data={"action": action})


async def wait_for_booking(sessionmaker: SessionMaker, booking_id: str, *statuses: BookingStatus,
                           timeout: float = 30) -> Booking:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with sessionmaker() as session:
            row = await session.get(Booking, uuid.UUID(booking_id))
        if row is not None and row.status in statuses:
            return row
        assert loop.time() < deadline, f"booking still {row.status if row else None}"
        await asyncio.sleep(0.2)


async def money_consistent(sessionmaker: SessionMaker, booking_ids: list[str]) -> None:
    ids = [uuid.UUID(b) for b in booking_ids]
    async with sessionmaker() as session:
        payments = (await session.exec(select(Payment).where(col(Payment.booking_id).in_(ids)))).all()
        paid = sum(p.paid_amount or p.amount for p in payments
                   if p.status in (PaymentStatus.SUCCESS, PaymentStatus.REFUNDED))
        refunds = (await session.exec(select(Refund).where(
            col(Refund.payment_id).in_([p.id for p in payments]), Refund.status == RefundStatus.COMPLETED))).all()
        confirmed = (await session.exec(select(Booking).where(
            col(Booking.id).in_(ids), Booking.status == BookingStatus.CONFIRMED))).all()
    assert paid - sum(r.amount for r in refunds) == sum(b.final_amount for b in confirmed)


@pytest.mark.parametrize("method", ["VNPay", "MoMo", "ZaloPay"])
async def test_pay_on_the_gateway_page_gets_a_ticket(client: httpx.AsyncClient, make_user: Any,
                                                     sessionmaker: SessionMaker, method: str) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B1", "B2"))).json()
    order = await checkout(client, customer, hold["bookingId"], method)
    assert order["finalAmount"] == hold["totalAmount"] and order["paymentUrl"]
    back = await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    assert back.status_code in (302, 303)  # the gateway sends the browser back to our return URL
    row = await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    assert row.qr_code
    ticket = await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)
    assert ticket.json()["status"] == "Confirmed" and ticket.json()["paymentStatus"] == "Paid"
    states = {label: s.status for label, s in (await seats(sessionmaker, showtime.id)).items()}
    assert states["B1"] is states["B2"] is SeatStatus.BOOKED
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_cancel_on_the_gateway_page_frees_the_seats(client: httpx.AsyncClient, make_user: Any,
                                                          sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).json()
    order = await checkout(client, customer, hold["bookingId"], "MoMo")
    await customer_acts_on_gateway_page(order["paymentUrl"], "cancel")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CANCELLED)
    # The compensations run newest first: the booking is closed, then its seats are released.
    found = await eventually(lambda: seats(sessionmaker, showtime.id),
                             lambda now: now["A1"].status is now["A2"].status is SeatStatus.AVAILABLE, timeout=10)
    states = {label: s.status for label, s in found.items()}
    assert states["A1"] is states["A2"] is SeatStatus.AVAILABLE
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_duplicate_ipn_confirms_once(client: httpx.AsyncClient, sandbox: httpx.AsyncClient, make_user: Any,
                                           sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B7", "B8"))).json()
    order = await checkout(client, customer, hold["bookingId"], "VNPay")
    await sandbox.put("/sandbox/faults", json={"duplicateIpn": True})
    try:
        await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    finally:
        await sandbox.delete("/sandbox/faults")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_paid_booking_cancelled_days_ahead_is_refunded_at_the_gateway(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B3", "B4"))).json()
    order = await checkout(client, customer, hold["bookingId"], "ZaloPay")
    await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    cancelled = await client.put(f"/api/bookings/{hold['bookingId']}/cancel", json={}, headers=customer.headers)
    assert cancelled.status_code == 200 and cancelled.json()["refundPercent"] == 100
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:  # ZaloPay refunds asynchronously: the RefundWorkflow polls until it is done
        async with sessionmaker() as session:
            payment = (await session.exec(select(Payment).where(
                Payment.booking_id == uuid.UUID(hold["bookingId"])))).one()
        if payment.refunded_amount == order["finalAmount"]:
            break
        assert loop.time() < deadline, "refund not completed"
        await asyncio.sleep(0.5)
    states = {label: s.status for label, s in (await seats(sessionmaker, showtime.id)).items()}
    assert states["B3"] is SeatStatus.AVAILABLE
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_ipn_lost_but_the_gateway_query_confirms_at_the_deadline(
        client: httpx.AsyncClient, sandbox: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    """The customer paid but the IPN never arrives: when the hold ends the saga asks the gateway, which says
    paid, so the booking is confirmed rather than the money kept without a ticket."""
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B9", "B10"))).json()
    order = await checkout(client, customer, hold["bookingId"], "VNPay")
    await sandbox.put("/sandbox/faults", json={"dropIpn": True})
    try:
        await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    finally:
        await sandbox.delete("/sandbox/faults")
    await asyncio.sleep(1)
    assert (await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.PENDING)).qr_code is None
    row = await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED, timeout=60)
    assert row.qr_code
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_a_checkout_sent_again_while_the_first_runs_gets_the_same_answer(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    """A client whose first checkout answer was lost (a timeout, Temporal restarting) retries at once: the
    retry joins the checkout in progress instead of a 409 NOT_HOLDING that loses the sale (bench.chaos)."""
    customer, showtime = await make_user(), await make_showtime(sessionmaker)
    held = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))
    assert held.status_code == 201, held.text
    body = {"bookingId": held.json()["bookingId"], "paymentMethod": "VNPay"}
    answers = await asyncio.gather(*(client.post("/api/bookings", headers=customer.headers, json=body)
                                     for _ in range(3)))
    assert [a.status_code for a in answers] == [201, 201, 201], [a.text for a in answers]
    assert len({a.json()["paymentId"] for a in answers}) == 1
    async with sessionmaker() as session:
        payments = (await session.exec(select(Payment).where(
            col(Payment.booking_id) == uuid.UUID(body["bookingId"])))).all()
    assert len(payments) == 1
