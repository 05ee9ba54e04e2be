"""After-commit side effects survive Temporal being down: they are events, and their consumers wait."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.service import RPCError

from domain.bookings.models import Booking, BookingStatus, PaymentStatus
from domain.contracts.workflow_ids import showtime_refunds_workflow_id
from domain.shared.roles import Role
from infra.db import SessionMaker
from infra.settings import Settings
from tests.bookings_support import confirmed_booking, make_showtime
from tests.eventually import eventually
from tests.tcp_gate import TcpGate

pytestmark = pytest.mark.usefixtures("worker")


async def _bookings(sessionmaker: SessionMaker, ids: list[uuid.UUID]) -> list[Booking]:
    async with sessionmaker() as session:
        return list((await session.exec(select(Booking).where(col(Booking.id).in_(ids)))).all())


async def _refunds_started(temporal: Client, showtime_id: uuid.UUID) -> bool:
    try:
        await temporal.get_workflow_handle(showtime_refunds_workflow_id(showtime_id)).describe()
    except RPCError:
        return False
    return True


async def test_a_showtime_cancelled_while_temporal_is_down_is_refunded_once_it_is_back(
        client: httpx.AsyncClient, temporal: Client, temporal_gate: TcpGate, sessionmaker: SessionMaker,
        redis: Redis, settings: Settings, make_user: Any) -> None:
    manager, showtime = await make_user(Role.MANAGER), await make_showtime(sessionmaker)
    secret = settings.ticket_secret.get_secret_value()
    booking_ids = [await confirmed_booking(sessionmaker, redis, user_id=(await make_user()).id, showtime=showtime,
                                           labels=labels, secret=secret) for labels in (["A1", "A2"], ["B1"])]
    await temporal_gate.close()
    try:
        response = await client.delete(f"/api/showtimes/{showtime.id}", headers=manager.headers,
                                       params={"reason": "Power cut"})
        assert response.status_code == 200, response.text  # the cancellation does not need Temporal
        assert response.json()["bookedSeats"] == 3
        await asyncio.sleep(3)  # the consumer tried (and failed) at least once meanwhile
        assert not await _refunds_started(temporal, showtime.id)
        assert {b.status for b in await _bookings(sessionmaker, booking_ids)} == {BookingStatus.CONFIRMED}
    finally:
        await temporal_gate.open()
    # Nobody repeats the request: the pending event is retried once Temporal answers again.
    done = await eventually(lambda: _bookings(sessionmaker, booking_ids),
                            lambda rows: all(b.status is BookingStatus.CANCELLED for b in rows), timeout=40)
    assert [(b.status, b.payment_status) for b in done] == [(BookingStatus.CANCELLED, PaymentStatus.REFUNDED)] * 2
    assert await _refunds_started(temporal, showtime.id)
