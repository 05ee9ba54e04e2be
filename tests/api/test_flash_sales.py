"""Flash sales over HTTP as Admin and customers use them, with the saga and the gateway simulator: the flash
price at the hold, FLASH_SALE_SOLD_OUT / FLASH_SALE_LIMIT_REACHED that hold nothing (or the regular price when
accepted), the quota back when a hold is given up, a paid flash ticket sold; Admin-only writes, clear 422s."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from domain.bookings.models import BookingStatus
from domain.contracts.workflow_ids import booking_workflow_id
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker
from tests.api.test_booking_flow import customer_acts_on_gateway_page, money_consistent, wait_for_booking
from tests.api.test_bookings import lock
from tests.bookings_support import locked, make_showtime, seat_ids
from tests.eventually import eventually
from workflows.booking import BookingWorkflow

pytestmark = pytest.mark.usefixtures("worker")


def sale_body(showtime: Any, **changes: Any) -> dict[str, Any]:
    now = utcnow()
    return {"name": "Flash 19h", "startsAt": (now - timedelta(minutes=1)).isoformat(),
            "endsAt": (now + timedelta(hours=2)).isoformat(), "showtimeIds": [str(showtime.id)],
            "flashPrice": 49_000, "quota": 3, "perUserLimit": 2, **changes}


async def active(client: httpx.AsyncClient, sale_id: str) -> dict[str, Any] | None:
    listed = (await client.get("/api/promotions/flash-sales/active")).json()
    return next((sale for sale in listed if sale["id"] == sale_id), None)


async def left(client: httpx.AsyncClient, sale_id: str) -> int:
    found = await active(client, sale_id)
    assert found is not None
    return int(found["left"])


async def test_flash_prices_at_the_hold_the_quota_and_the_limit(client: httpx.AsyncClient, make_user: Any,
                                                               sessionmaker: SessionMaker) -> None:
    showtime, admin = await make_showtime(sessionmaker), await make_user(Role.ADMIN)
    other = await make_showtime(sessionmaker, days_ahead=4)
    first, late = await make_user(), await make_user()
    created = await client.post("/api/promotions/flash-sales", headers=admin.headers, json=sale_body(
        showtime, showtimeIds=[str(showtime.id), str(other.id)]))
    assert created.status_code == 201, created.text
    sale = created.json()
    assert (sale["left"], sale["sold"]) == (3, 0)

    hold = await lock(client, first, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1", "A2"))
    assert hold.status_code == 201, hold.text
    held = hold.json()
    assert [seat["price"] for seat in held["seats"]] == [49_000, 49_000] and held["totalAmount"] == 98_000
    assert held["flashSale"]["tickets"] == 2 and held["flashSale"]["flashSaleId"] == sale["id"]
    assert await left(client, sale["id"]) == 1

    wanted = await seat_ids(sessionmaker, showtime.id, "A5", "A6")
    refused = await lock(client, late, showtime.id, wanted)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "FLASH_SALE_SOLD_OUT"
    assert refused.json()["error"]["details"]["left"] == 1
    assert await locked(sessionmaker, showtime.id) == {"A1", "A2"}, "a refused flash hold holds nothing"
    over = await lock(client, first, other.id, await seat_ids(sessionmaker, other.id, "A1"))  # another showtime
    assert over.status_code == 409 and over.json()["error"]["code"] == "FLASH_SALE_LIMIT_REACHED"
    assert over.json()["error"]["details"]["yoursLeft"] == 0 and not await locked(sessionmaker, other.id)

    regular = await client.post("/api/bookings/lock-seats", headers=late.headers, json={
        "showtimeId": str(showtime.id), "seatIds": wanted, "acceptRegularPrice": True})
    assert regular.status_code == 201, regular.text
    assert regular.json()["flashSale"] is None and all(s["price"] > 49_000 for s in regular.json()["seats"])
    assert await left(client, sale["id"]) == 1

    gave_up = await client.delete(f"/api/bookings/{held['bookingId']}/hold", headers=first.headers)
    assert gave_up.status_code == 204
    assert await eventually(lambda: left(client, sale["id"]), lambda n: n == 3, timeout=15) == 3


async def test_a_paid_flash_ticket_is_sold_at_its_price(client: httpx.AsyncClient, make_user: Any,
                                                       sessionmaker: SessionMaker, temporal: Client) -> None:
    showtime, admin, customer = await make_showtime(sessionmaker), await make_user(Role.ADMIN), await make_user()
    sale = (await client.post("/api/promotions/flash-sales", headers=admin.headers,
                              json=sale_body(showtime, flashPrice=None, discountPercent=50))).json()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B1"))).json()
    assert hold["flashSale"]["tickets"] == 1 and hold["flashSale"]["saved"] == hold["totalAmount"]  # half off
    checkout = await client.post("/api/bookings", headers=customer.headers,
                                 json={"bookingId": hold["bookingId"], "paymentMethod": "VNPay"})
    assert checkout.status_code == 201, checkout.text
    assert checkout.json()["finalAmount"] == hold["totalAmount"]
    await customer_acts_on_gateway_page(checkout.json()["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    booking = (await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)).json()
    assert booking["seats"][0]["price"] == hold["seats"][0]["price"]
    await money_consistent(sessionmaker, [hold["bookingId"]])
    saga = temporal.get_workflow_handle_for(BookingWorkflow.run, booking_workflow_id(uuid.UUID(hold["bookingId"])))
    steps = [step.name for step in (await saga.query(BookingWorkflow.status)).steps]
    assert steps.index("sell_flash_sale") < steps.index("confirm_booking")
    read = (await client.get(f"/api/promotions/flash-sales/{sale['id']}", headers=admin.headers)).json()
    assert (read["sold"], read["left"]) == (1, 2)


async def test_admin_switches_a_sale_off_and_the_regular_price_is_back(client: httpx.AsyncClient, make_user: Any,
                                                                      sessionmaker: SessionMaker) -> None:
    showtime, admin, customer = await make_showtime(sessionmaker), await make_user(Role.ADMIN), await make_user()
    sale = (await client.post("/api/promotions/flash-sales", headers=admin.headers, json=sale_body(showtime))).json()
    off = await client.put(f"/api/promotions/flash-sales/{sale['id']}", headers=admin.headers,
                           json={"isActive": False})
    assert off.status_code == 200 and off.json()["isActive"] is False
    assert await active(client, sale["id"]) is None
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "A1"))).json()
    assert hold["flashSale"] is None and hold["seats"][0]["price"] > 49_000
    below = await client.put(f"/api/promotions/flash-sales/{sale['id']}", headers=admin.headers, json={"quota": 0})
    assert below.status_code == 422


async def test_only_admins_make_or_change_sales(client: httpx.AsyncClient, make_user: Any,
                                               sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    for role in (Role.CUSTOMER, Role.STAFF, Role.MANAGER):
        user = await make_user(role)
        made = await client.post("/api/promotions/flash-sales", headers=user.headers, json=sale_body(showtime))
        assert made.status_code == 403
        assert (await client.get("/api/promotions/flash-sales", headers=user.headers)).status_code == 403
    assert (await client.post("/api/promotions/flash-sales", json=sale_body(showtime))).status_code == 401


@pytest.mark.parametrize("changes", [
    {"quota": 0}, {"perUserLimit": 0}, {"flashPrice": -1}, {"discountPercent": 100},
    {"discountPercent": 20},  # and a flash price: one of them
    {"flashPrice": None},  # neither
    {"showtimeIds": []},  # no cover
    {"movieId": "00000000-0000-0000-0000-000000000001"},  # both covers
    {"endsAt": "2026-01-01T00:00:00+07:00"},  # before the start
    {"startsAt": "tomorrow"}, {"seatTypes": ["Balcony"]}, {"price": 1},
])
async def test_a_bad_sale_is_422_and_nothing_is_made(client: httpx.AsyncClient, make_user: Any,
                                                     sessionmaker: SessionMaker, changes: dict[str, Any]) -> None:
    showtime, admin = await make_showtime(sessionmaker), await make_user(Role.ADMIN)
    before = (await client.get("/api/promotions/flash-sales", headers=admin.headers)).json()["total"]
    made = await client.post("/api/promotions/flash-sales", headers=admin.headers, json=sale_body(showtime, **changes))
    assert made.status_code == 422 and made.json()["error"]["code"] == "VALIDATION_ERROR"
    assert (await client.get("/api/promotions/flash-sales", headers=admin.headers)).json()["total"] == before
