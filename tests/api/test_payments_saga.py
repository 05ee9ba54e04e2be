"""The whole chain an app sees: hold seats, check out, pay on the simulator's page; the signed IPN reaches
our webhook over HTTP, the webhook signals the booking saga, and the saga confirms the booking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from infra.db import SessionMaker
from tests.bookings_support import make_showtime, seat_ids
from tests.payments_support import METHODS, act, eventually, read

pytestmark = pytest.mark.usefixtures("worker")


async def checkout(client: httpx.AsyncClient, sessionmaker: SessionMaker, customer: Any,
                   method: str) -> dict[str, Any]:
    showtime = await make_showtime(sessionmaker)
    held = await client.post("/api/bookings/lock-seats", headers=customer.headers, json={
        "showtimeId": str(showtime.id), "seatIds": await seat_ids(sessionmaker, showtime.id, "A1", "A2")})
    assert held.status_code == 201, held.text
    out = await client.post("/api/bookings", headers=customer.headers,
                            json={"bookingId": held.json()["bookingId"], "paymentMethod": method})
    assert out.status_code == 201, out.text
    return out.json()  # type: ignore[no-any-return]


async def booking(client: httpx.AsyncClient, customer: Any, booking_id: str) -> dict[str, Any]:
    return (await client.get(f"/api/bookings/{booking_id}", headers=customer.headers)).json()  # type: ignore


@pytest.mark.parametrize("method", METHODS)
async def test_paying_on_the_gateway_page_confirms_the_booking(client: httpx.AsyncClient, make_user: Any,
                                                               sessionmaker: SessionMaker, method: str) -> None:
    customer = await make_user()
    view = await checkout(client, sessionmaker, customer, method)
    payment = await read(client, customer.headers, view["paymentId"])
    assert (payment["status"], payment["amount"], payment["userId"]) == ("Pending", view["finalAmount"],
                                                                         str(customer.id))
    await act(client, {"payUrl": view["paymentUrl"]})
    confirmed = await eventually(lambda: booking(client, customer, view["bookingId"]),
                                 lambda b: b["status"] != "Pending", timeout=30)
    assert (confirmed["status"], confirmed["qrCode"] is not None) == ("Confirmed", True), confirmed
    assert (await read(client, customer.headers, view["paymentId"]))["status"] == "Success"


async def test_cancelling_on_the_gateway_page_undoes_the_booking(client: httpx.AsyncClient, make_user: Any,
                                                                 sessionmaker: SessionMaker) -> None:
    customer = await make_user()
    view = await checkout(client, sessionmaker, customer, "MoMo")
    await act(client, {"payUrl": view["paymentUrl"]}, "cancel")
    undone = await eventually(lambda: booking(client, customer, view["bookingId"]),
                              lambda b: b["status"] != "Pending", timeout=30)
    assert undone["status"] == "Cancelled", undone
    assert (await read(client, customer.headers, view["paymentId"]))["status"] == "Failed"
