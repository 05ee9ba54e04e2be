"""F&B pre-ordered with the tickets, over HTTP as an app does it, through the gateway simulator: the totals and
the payment include it, the booking shows its lines, staff see the stock sold, a cancellation before pickup puts
it back; bad orders are a clear 4xx that keeps the hold and changes no stock."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from domain.bookings.models import BookingStatus
from domain.fnb.models import FnbItem
from domain.shared.roles import Role
from infra.db import SessionMaker, unit_of_work
from tests.api.test_booking_flow import customer_acts_on_gateway_page, money_consistent, wait_for_booking
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, seat_ids
from tests.domain.fnb.test_stock import make_combo, make_item, stock_of
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("worker")


async def order(client: httpx.AsyncClient, user: Any, booking_id: str, fnb: list[dict[str, Any]],
                method: str = "VNPay") -> httpx.Response:
    return await client.post("/api/bookings", headers=user.headers,
                             json={"bookingId": booking_id, "paymentMethod": method, "fnbItems": fnb})


async def test_a_preorder_is_paid_with_the_tickets_shown_on_the_booking_and_returned_on_cancellation(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    showtime, customer, staff = await make_showtime(sessionmaker), await make_user(), await make_user(Role.STAFF)
    cinema = showtime.cinema_id
    popcorn, coke = await make_item(sessionmaker, cinema, 20), await make_item(sessionmaker, cinema, 20)
    combo = await make_combo(sessionmaker, {popcorn: 1, coke: 2})
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).json()
    response = await order(client, customer, hold["bookingId"], [{"comboId": str(combo), "quantity": 2},
                                                                 {"itemId": str(popcorn), "quantity": 1}])
    assert response.status_code == 201, response.text
    checkout = response.json()
    assert checkout["fnbAmount"] == 2 * 80_000 + 50_000
    assert checkout["totalAmount"] == hold["totalAmount"] + checkout["fnbAmount"] == checkout["finalAmount"]

    await customer_acts_on_gateway_page(checkout["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    booking = (await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)).json()
    assert booking["fnbAmount"] == checkout["fnbAmount"] and booking["finalAmount"] == checkout["finalAmount"]
    assert sorted((line["quantity"], line["unitPrice"], line["comboId"] is not None)
                  for line in booking["fnbItems"]) == [(1, 50_000, False), (2, 80_000, True)]
    sold = await eventually(lambda: stock_of(sessionmaker, cinema, coke), lambda s: s == (16, 0), timeout=10)
    assert sold == (16, 0) and await stock_of(sessionmaker, cinema, popcorn) == (17, 0)
    listed = (await client.get("/api/fnb/stock", headers=staff.headers, params={"cinemaId": str(cinema)})).json()
    assert {s["itemId"]: s["onHand"] for s in listed["items"]} == {str(popcorn): 17, str(coke): 16}

    cancelled = await client.put(f"/api/bookings/{hold['bookingId']}/cancel", json={}, headers=customer.headers)
    assert cancelled.status_code == 200, cancelled.text
    back = await eventually(lambda: stock_of(sessionmaker, cinema, coke), lambda s: s == (20, 0), timeout=30)
    assert back == (20, 0) and await stock_of(sessionmaker, cinema, popcorn) == (20, 0)
    movements = (await client.get("/api/fnb/stock/movements", headers=staff.headers,
                                  params={"cinemaId": str(cinema), "itemId": str(coke)})).json()["items"]
    assert sorted(m["kind"] for m in movements) == ["Receipt", "Reservation", "Return", "Sale"]
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CANCELLED)


@pytest.mark.parametrize("line, status, code", [
    ({"quantity": 0}, 422, "VALIDATION_ERROR"),
    ({"quantity": -2}, 422, "VALIDATION_ERROR"),
    ({"quantity": 1, "comboId": "combo"}, 422, "VALIDATION_ERROR"),  # both an item and a combo
    ({"quantity": 1, "itemId": None}, 422, "VALIDATION_ERROR"),  # neither
    ({"quantity": 1, "size": "L"}, 422, "VALIDATION_ERROR"),
    ({"quantity": 1, "itemId": "unknown"}, 404, "FNB_ITEM_NOT_FOUND"),
    ({"quantity": 1, "itemId": "hidden"}, 409, "FNB_NOT_SOLD"),
    ({"quantity": 3}, 409, "FNB_OUT_OF_STOCK"),
    ("1000 lines", 422, "VALIDATION_ERROR"),
])
async def test_a_bad_order_is_a_clear_4xx_that_keeps_the_hold_and_the_stock(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker, line: Any, status: int,
        code: str) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    cinema = showtime.cinema_id
    popcorn, hidden = await make_item(sessionmaker, cinema, 2), await make_item(sessionmaker, cinema, 5)
    combo = await make_combo(sessionmaker, {popcorn: 1})
    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(FnbItem).where(col(FnbItem.id) == hidden)  # type: ignore[call-overload]
                           .values(hidden_at=[cinema]))
    ids = {"unknown": str(uuid.uuid4()), "hidden": str(hidden), "combo": str(combo)}
    if line == "1000 lines":
        lines = [{"itemId": str(popcorn), "quantity": 1}] * 1000
    else:
        lines = [{"itemId": str(popcorn), **{k: ids.get(v, v) if isinstance(v, str) else v for k, v in line.items()}}]
        lines = [{k: v for k, v in one.items() if v is not None} for one in lines]
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).json()
    response = await order(client, customer, hold["bookingId"], lines)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code), response.text
    assert await stock_of(sessionmaker, cinema, popcorn) == (2, 0) and await stock_of(sessionmaker, cinema,
                                                                                        hidden) == (5, 0)
    retried = await order(client, customer, hold["bookingId"], [])
    assert retried.status_code == 201, "the seats are still held: checking out without F&B works"
    assert retried.json()["fnbAmount"] == 0
    await client.delete(f"/api/bookings/{hold['bookingId']}/hold", headers=customer.headers)


async def test_fnb_is_not_taken_through_a_counter_payment_of_the_seats(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    """A customer may not pay cash: the refusal comes before any F&B is held."""
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    popcorn = await make_item(sessionmaker, showtime.cinema_id, 5)
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).json()
    response = await order(client, customer, hold["bookingId"], [{"itemId": str(popcorn), "quantity": 1}], "Cash")
    assert response.status_code == 403
    assert await stock_of(sessionmaker, showtime.cinema_id, popcorn) == (5, 0)
    await money_consistent(sessionmaker, [hold["bookingId"]])


async def test_the_counter_hands_a_paid_preorder_out_once_and_then_the_customer_cannot_cancel_it(
        client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker) -> None:
    showtime, customer, staff = await make_showtime(sessionmaker), await make_user(), await make_user(Role.STAFF)
    popcorn = await make_item(sessionmaker, showtime.cinema_id, 5)
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))).json()
    checkout = (await order(client, customer, hold["bookingId"], [{"itemId": str(popcorn), "quantity": 2}])).json()
    await customer_acts_on_gateway_page(checkout["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    queue = await eventually(
        lambda: client.get("/api/fnb/orders", headers=staff.headers, params={"cinemaId": str(showtime.cinema_id)}),
        lambda r: r.json()["total"] == 1, timeout=10)
    assert [o["bookingId"] for o in queue.json()["items"]] == [hold["bookingId"]]
    first = await client.post(f"/api/fnb/orders/{hold['bookingId']}/collect", headers=staff.headers)
    again = await client.post(f"/api/fnb/orders/{hold['bookingId']}/collect", headers=staff.headers)
    assert first.status_code == 200 and first.json()["lines"][0]["quantity"] == 2
    assert (again.status_code, again.json()["error"]["code"]) == (409, "FNB_ALREADY_COLLECTED")
    assert again.json()["error"]["details"]["collectedAt"] == first.json()["collectedAt"]
    refused = await client.put(f"/api/bookings/{hold['bookingId']}/cancel", json={}, headers=customer.headers)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "BOOKING_NOT_CANCELLABLE")
    assert await stock_of(sessionmaker, showtime.cinema_id, popcorn) == (3, 0)
    await money_consistent(sessionmaker, [hold["bookingId"]])
