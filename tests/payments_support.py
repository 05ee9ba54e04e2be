"""Shared set-up for payment tests: open a payment, act as the customer on a simulator's page, set fault
switches, read what PostgreSQL and the simulator recorded. Everything goes over real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
from sqlmodel import col, select

from domain.payments.models import GatewayMessage, Payment, Refund
from infra.db import SessionMaker

T = TypeVar("T")
METHODS = ("VNPay", "MoMo", "ZaloPay")
GATEWAY = {"VNPay": "vnpay", "MoMo": "momo", "ZaloPay": "zalopay"}
AMOUNT = 150_000


async def open_payment(client: httpx.AsyncClient, headers: dict[str, str], method: str, *, amount: int = AMOUNT,
                       booking_id: uuid.UUID | None = None) -> dict[str, Any]:
    response = await client.post("/api/payments/create", headers=headers, json={
        "bookingId": str(booking_id or uuid.uuid4()), "amount": amount, "method": method})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def act(client: httpx.AsyncClient, payment: dict[str, Any], action: str = "pay") -> httpx.Response:
    """What the customer does: open the gateway's page, then press Pay or Cancel."""
    page = await client.get(payment["payUrl"])
    assert page.status_code == 200 and "<button" in page.text, page.text
    done = await client.post(payment["payUrl"], data={"action": action})
    assert done.status_code == 302, done.text
    return done


async def set_faults(client: httpx.AsyncClient, method: str, order_ref: str, **faults: Any) -> None:
    """`client` is signed in as an Admin (the `sandbox` fixture): the control panel is for Admins only."""
    response = await client.put(f"/sandbox/{GATEWAY[method]}/orders/{order_ref}/faults", json=faults)
    assert response.status_code == 200, response.text


async def sim_order(client: httpx.AsyncClient, method: str, order_ref: str) -> dict[str, Any]:
    response = await client.get(f"/sandbox/{GATEWAY[method]}/orders/{order_ref}")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def read(client: httpx.AsyncClient, headers: dict[str, str], payment_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/payments/{payment_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def eventually(probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], *, timeout: float = 30) -> T:
    """Poll until `done(value)`; return the last value either way (the caller asserts)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if done(value) or loop.time() > deadline:
            return value
        await asyncio.sleep(0.2)


async def payment_row(sessionmaker: SessionMaker, payment_id: str | uuid.UUID) -> Payment:
    async with sessionmaker() as session:
        row = await session.get(Payment, uuid.UUID(str(payment_id)))
    assert row is not None
    return row


async def refunds_of(sessionmaker: SessionMaker, payment_id: str | uuid.UUID) -> list[Refund]:
    async with sessionmaker() as session:
        stmt = select(Refund).where(col(Refund.payment_id) == uuid.UUID(str(payment_id)))
        return list((await session.exec(stmt)).all())


async def messages_of(sessionmaker: SessionMaker, order_ref: str) -> list[GatewayMessage]:
    async with sessionmaker() as session:
        stmt = (select(GatewayMessage).where(col(GatewayMessage.order_ref) == order_ref)
                .order_by(col(GatewayMessage.created_at)))
        return list((await session.exec(stmt)).all())


async def payments_of_booking(sessionmaker: SessionMaker, booking_id: uuid.UUID) -> list[Payment]:
    async with sessionmaker() as session:
        return list((await session.exec(select(Payment).where(col(Payment.booking_id) == booking_id))).all())
