"""The bookings service reacts to showtimes and payments: a cancelled showtime refunds every booking of it,
a settled payment tells its booking saga, and a payment refunded in full cancels its ticket."""

from __future__ import annotations

import logging

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy

from domain.bookings import saga_summary
from domain.bookings.models import BookingStatus
from domain.bookings.payment_port import PaymentSettlement, SettlementStatus
from domain.bookings.repository import BookingRepository
from domain.bookings.schemas import CancellationInput, CancelRequest, Requester, ShowtimeRefundsInput
from domain.contracts.events import EventEnvelope, PaymentRefunded, PaymentSettled, ShowtimeCancelled, Topic
from domain.contracts.queues import TaskQueue
from domain.contracts.saga_states import SagaState
from domain.contracts.workflow_ids import booking_workflow_id, cancellation_workflow_id, showtime_refunds_workflow_id
from infra.events.consumer import Subscription
from workers.subscribers import temporal_call
from workflows.cancellation import CancellationWorkflow, ShowtimeRefundsWorkflow
from workflows.search_attributes import BOOKING_ID, SAGA_STATE, SHOWTIME_ID

log = logging.getLogger("cinema.bookings")

_SETTLEMENT = {"Success": SettlementStatus.SUCCESS, "Pending": SettlementStatus.PENDING}


def showtime_refunds(temporal: Client) -> Subscription:
    """showtime.cancelled → one ShowtimeRefundsWorkflow, which cancels each booking with a full refund."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, ShowtimeCancelled)
        if not data.booking_ids:
            return
        async with temporal_call(f"refunding showtime {data.showtime_id}"):
            await temporal.start_workflow(
                ShowtimeRefundsWorkflow.run, ShowtimeRefundsInput(
                    showtime_id=data.showtime_id, booking_ids=data.booking_ids, cancelled_by=data.cancelled_by,
                    reason=f"Showtime cancelled: {data.reason or 'by the cinema'}"),
                id=showtime_refunds_workflow_id(data.showtime_id), task_queue=TaskQueue.BOOKINGS,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=TypedSearchAttributes([SearchAttributePair(SHOWTIME_ID, str(data.showtime_id))]))

    return Subscription(group="bookings.showtime-refunds", schema="bookings", topics=(Topic.SHOWTIME_CANCELLED,),
                        handle=handle)


def refunded_tickets(temporal: Client) -> Subscription:
    """payment.refunded with nothing of the payment left → cancel its booking if it is still a ticket: a
    Manager's full refund at the payments desk must not leave a valid QR code behind. CancellationWorkflow
    `cancellation-{bookingId}` cancels it with nothing more to refund, frees the seats, takes back the points
    and tells the customer. A booking cancelled already (its own cancellation refunded it) is left alone."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, PaymentRefunded)
        if not data.fully_refunded:
            return
        booking = await BookingRepository(session).get(data.booking_id)
        if booking is None or booking.status is not BookingStatus.CONFIRMED:
            return
        if booking.checked_in_at is not None:  # the ticket was used: nothing to cancel, a person must look
            log.warning("booking %s was refunded in full after check-in; it stays checked in", booking.id)
            return
        request = CancelRequest(requester=Requester(user_id=booking.user_id, is_staff=True),
                                reason=f"Refunded in full at the payments desk (refund {data.refund_id})",
                                refunded_already=booking.final_amount)
        async with temporal_call(f"cancelling refunded booking {booking.id}"):
            await temporal.start_workflow(
                CancellationWorkflow.run, CancellationInput(booking_id=booking.id, request=request),
                id=cancellation_workflow_id(booking.id), task_queue=TaskQueue.BOOKINGS,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                static_summary=saga_summary.cancellation_summary(booking.id, request.reason),
                search_attributes=TypedSearchAttributes([SearchAttributePair(BOOKING_ID, str(booking.id)),
                                                         SearchAttributePair(SAGA_STATE, SagaState.STARTED.value)]))

    return Subscription(group="bookings.refunded-tickets", schema="bookings", topics=(Topic.PAYMENT_REFUNDED,),
                        handle=handle)


def settlement_of(event: PaymentSettled) -> PaymentSettlement:
    """The payments port's view of a settled payment (anything but Success or Pending is Failed)."""
    return PaymentSettlement(booking_id=event.booking_id, payment_id=event.payment_id,
                             status=_SETTLEMENT.get(event.status, SettlementStatus.FAILED), amount=event.amount)


def payment_results(temporal: Client) -> Subscription:
    """payment.success / payment.failed → the `payment_settled` signal of saga `booking-{bookingId}`.

    The saga keeps the first final answer about its own payment, so a repeat is harmless; a payment
    without a saga (a counter sale by hand, a saga long finished) is fine."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, PaymentSettled)
        handle = temporal.get_workflow_handle(booking_workflow_id(data.booking_id))
        async with temporal_call(f"telling booking {data.booking_id} about its payment", missing_ok=True):
            await handle.signal("payment_settled", settlement_of(data))

    return Subscription(group="bookings.payment-results", schema="bookings",
                        topics=(Topic.PAYMENT_SUCCESS, Topic.PAYMENT_FAILED), handle=handle)
