"""Cancelling paid bookings: the policy, staff overrides, showtime cancellation; real Temporal + PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from domain.bookings import cancellations
from domain.bookings import service as bookings_service
from domain.bookings.cancellation import BookingCheckedIn
from domain.bookings.checkin import TicketRefused
from domain.bookings.models import BookingStatus, PaymentStatus
from domain.bookings.refunds import RefundOutcome
from domain.bookings.schemas import CancellationInput, CancelRequest, Requester
from domain.contracts.queues import TaskQueue
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.showtimes.models import SeatStatus, Showtime
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import confirmed_booking, make_showtime, refund_of, seats
from tests.conftest import Mailbox
from tests.workflows.test_booking_saga import GatewayDouble, booking_row, gateway, mailbox_email  # noqa: F401
from workflows.cancellation import CancellationWorkflow

pytestmark = pytest.mark.usefixtures("worker")


async def paid(sessionmaker: SessionMaker, redis: Redis, settings: Settings, user_id: uuid.UUID,
               showtime: Any = None) -> tuple[Any, uuid.UUID]:
    showtime = showtime or await make_showtime(sessionmaker)
    booking_id = await confirmed_booking(sessionmaker, redis, user_id=user_id, showtime=showtime,
                                         labels=["A1", "A2"], secret=settings.ticket_secret.get_secret_value())
    return showtime, booking_id


async def cancel(temporal: Client, booking_id: uuid.UUID, request: CancelRequest, queue: str) -> Any:
    start = WithStartWorkflowOperation(
        CancellationWorkflow.run, CancellationInput(booking_id=booking_id, payment_queue=queue),
        id=f"cancellation-{booking_id}", task_queue=TaskQueue.BOOKINGS,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    plan = await temporal.execute_update_with_start_workflow(CancellationWorkflow.cancel, request,
                                                             start_workflow_operation=start)
    return plan, await start.workflow_handle()


async def test_days_ahead_full_refund_seats_back_points_revoked_and_mailed(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, settings: Settings, make_user: Any,
        gateway: tuple[GatewayDouble, str], mailbox: Mailbox) -> None:  # noqa: F811
    fake, queue = gateway
    customer = await make_user()
    showtime, booking_id = await paid(sessionmaker, redis, settings, customer.id)
    plan, handle = await cancel(temporal, booking_id, CancelRequest(requester=Requester(user_id=customer.id)), queue)
    assert plan.refund_percent == 100 and plan.refund_amount == plan.paid > 0
    await asyncio.wait_for(handle.result(), 30)
    row = await booking_row(sessionmaker, booking_id)
    assert row.status is BookingStatus.CANCELLED and row.payment_status is PaymentStatus.REFUNDED
    labels = await seats(sessionmaker, showtime.id)
    assert labels["A1"].status is labels["A2"].status is SeatStatus.AVAILABLE
    refund: RefundOutcome = await asyncio.wait_for((await refund_of(temporal, booking_id)).result(), 30)
    assert refund.status == "Refunded" and fake.refunded[booking_id] == plan.paid
    mails = await mailbox.wait_for(await mailbox_email(sessionmaker, customer.id))
    assert any("cancelled" in m["subject"] for m in mails)


async def test_close_to_the_show_refunds_half_then_nothing(temporal: Client, sessionmaker: SessionMaker,
                                                           redis: Redis, settings: Settings, make_user: Any,
                                                           gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
    _, queue = gateway
    customer = await make_user()
    showtime, booking_id = await paid(sessionmaker, redis, settings, customer.id)
    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(Showtime).where(col(Showtime.id) == showtime.id)  # type: ignore[call-overload]
                           .values(start_time=utcnow() + timedelta(hours=3), end_time=utcnow() + timedelta(hours=5)))
    plan, _ = await cancel(temporal, booking_id, CancelRequest(requester=Requester(user_id=customer.id)), queue)
    assert plan.refund_percent == 50 and plan.refund_amount == plan.paid // 2


async def test_over_http_policy_override_and_refusals(client: httpx.AsyncClient, sessionmaker: SessionMaker,
                                                      redis: Redis, settings: Settings, make_user: Any) -> None:
    customer, staff = await make_user(), await make_user(Role.STAFF)
    _, booking_id = await paid(sessionmaker, redis, settings, customer.id)
    url = f"/api/bookings/{booking_id}/cancel"
    stranger = await client.put(url, json={}, headers=(await make_user()).headers)
    assert stranger.status_code == 404
    own_override = await client.put(url, json={"refundPercent": 100, "reason": "please"}, headers=customer.headers)
    assert own_override.status_code == 403
    no_reason = await client.put(url, json={"refundPercent": 0}, headers=staff.headers)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "OVERRIDE_NEEDS_REASON"
    zero = await client.put(url, json={"refundPercent": 0, "reason": "no-show agreed"}, headers=staff.headers)
    assert zero.status_code == 200 and zero.json()["refundAmount"] == 0
    assert (await booking_row(sessionmaker, booking_id)).status is BookingStatus.CANCELLED
    again = await client.put(url, json={}, headers=customer.headers)
    assert again.status_code == 200 and again.json() == zero.json()  # same decision, not a second cancellation


async def test_a_cancelled_showtime_refunds_its_bookings_in_full(client: httpx.AsyncClient, temporal: Client,
                                                                 sessionmaker: SessionMaker, redis: Redis,
                                                                 settings: Settings, make_user: Any) -> None:
    customer, manager = await make_user(), await make_user(Role.MANAGER)
    showtime, booking_id = await paid(sessionmaker, redis, settings, customer.id)
    response = await client.delete(f"/api/showtimes/{showtime.id}", headers=manager.headers,
                                   params={"reason": "Projector failure"})
    assert response.status_code == 200, response.text
    assert response.json()["bookedSeats"] == 2
    plan = await asyncio.wait_for(_cancelled(sessionmaker, booking_id), 30)
    assert plan.status is BookingStatus.CANCELLED and plan.payment_status is PaymentStatus.REFUNDED
    labels = await seats(sessionmaker, showtime.id)
    assert labels["A1"].status is SeatStatus.BLOCKED  # the showtime is off: nothing goes back on sale


async def _cancelled(sessionmaker: SessionMaker, booking_id: uuid.UUID) -> Any:
    while (row := await booking_row(sessionmaker, booking_id)).status is not BookingStatus.CANCELLED:
        await asyncio.sleep(0.1)
    return row


class TestCheckInAgainstCancellation:
    """A scan at the door and a cancellation of the same booking at once: whichever takes the booking's row
    first wins, and the other changes nothing (no one in a seat that is back on sale)."""

    async def test_a_ticket_scanned_after_the_plan_is_not_cancelled(
            self, sessionmaker: SessionMaker, redis: Redis, settings: Settings, make_user: Any) -> None:
        customer = await make_user()
        showtime, booking_id = await paid(sessionmaker, redis, settings, customer.id)
        request = CancelRequest(requester=Requester(user_id=customer.id))
        async with unit_of_work(sessionmaker) as session:
            plan = await cancellations.plan(session, booking_id=booking_id, request=request, now=utcnow())
        async with unit_of_work(sessionmaker) as session:  # the customer walks in meanwhile
            assert await bookings_service.check_in(session, booking_id=booking_id, now=utcnow())
        with pytest.raises(BookingCheckedIn):
            async with unit_of_work(sessionmaker) as session:
                await cancellations.cancel(session, plan=plan, reason="by the customer", now=utcnow())
        row = await booking_row(sessionmaker, booking_id)
        assert row.status is BookingStatus.CONFIRMED and row.payment_status is PaymentStatus.PAID
        labels = await seats(sessionmaker, showtime.id)
        assert labels["A1"].status is labels["A2"].status is SeatStatus.BOOKED

    async def test_a_booking_cancelled_after_the_scan_was_checked_is_not_admitted(
            self, sessionmaker: SessionMaker, redis: Redis, settings: Settings, make_user: Any) -> None:
        customer = await make_user()
        _, booking_id = await paid(sessionmaker, redis, settings, customer.id)
        request = CancelRequest(requester=Requester(user_id=customer.id))
        async with unit_of_work(sessionmaker) as session:
            plan = await cancellations.plan(session, booking_id=booking_id, request=request, now=utcnow())
            await cancellations.cancel(session, plan=plan, reason="by the customer", now=utcnow())
        with pytest.raises(TicketRefused) as refused:
            async with unit_of_work(sessionmaker) as session:
                await bookings_service.check_in(session, booking_id=booking_id, now=utcnow())
        assert refused.value.code == "TICKET_CANCELLED"
        assert (await booking_row(sessionmaker, booking_id)).checked_in_at is None
