"""Cancelling a paid booking: the decision (policy or staff override) and its effect on the booking and seats."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings import service as bookings_service
from domain.bookings.cancellation import ensure_not_checked_in, refund_for_cancellation, staff_override
from domain.bookings.models import BookingStatus, PaymentStatus
from domain.bookings.repository import BookingRepository
from domain.bookings.schemas import CancellationPlan, CancelRequest
from domain.bookings.service import BookingNotFound
from domain.fnb import orders as fnb_orders
from domain.shared.errors import Conflict, Forbidden
from domain.showtimes import seat_claims
from domain.showtimes import service as showtimes_service


class BookingNotCancellable(Conflict):
    code = "BOOKING_NOT_CANCELLABLE"


async def plan(session: AsyncSession, *, booking_id: uuid.UUID, request: CancelRequest,
               now: datetime) -> CancellationPlan:
    """What cancelling would refund, or why it cannot be cancelled. Changes nothing."""
    booking = await BookingRepository(session).get(booking_id)
    who = request.requester
    if booking is None or (booking.user_id != who.user_id and not who.is_staff):
        raise BookingNotFound("No such booking.")
    if booking.status is not BookingStatus.CONFIRMED:
        raise BookingNotCancellable(f"The booking is {booking.status.value}; only confirmed bookings are cancelled "
                                    "(release a hold instead).")
    ensure_not_checked_in(booking.checked_in_at)
    if not who.is_staff and await fnb_orders.collected_at(session, booking_id=booking.id) is not None:
        raise BookingNotCancellable("The food and drinks of this booking were handed out at the counter; "
                                    "staff can cancel it there.")
    if request.refunded_already is not None:
        if not who.is_staff:
            raise Forbidden("Only the payments desk cancels a booking for a refund it made.")
        return CancellationPlan(booking_id=booking.id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                                paid=booking.final_amount, refund_percent=100, refund_amount=0,
                                rule="refunded in full at the payments desk",
                                refunded_already=request.refunded_already)
    if request.override_percent is not None:
        if not who.is_staff:
            raise Forbidden("Only staff may override the cancellation policy.")
        decision = staff_override(paid=booking.final_amount, percent=request.override_percent,
                                  reason=request.reason or "")
    else:
        showtime = await showtimes_service.get_showtime(session, showtime_id=booking.showtime_id)
        decision = refund_for_cancellation(paid=booking.final_amount, show_starts_at=showtime.start_time, now=now)
    return CancellationPlan(booking_id=booking.id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                            paid=booking.final_amount, refund_percent=decision.percent,
                            refund_amount=decision.amount, rule=decision.rule)


async def cancel(session: AsyncSession, *, plan: CancellationPlan, reason: str, now: datetime) -> list[uuid.UUID]:
    """Cancel the booking and put its seats back on sale (idempotent); returns the seats freed."""
    booking = await BookingRepository(session).get(plan.booking_id, for_update=True)
    if booking is None:
        raise BookingNotFound("No such booking.")
    if booking.status is BookingStatus.CONFIRMED:
        # Checked again under the row lock check-in takes too: a ticket scanned since the plan wins.
        ensure_not_checked_in(booking.checked_in_at)
        booking.status, booking.cancelled_at, booking.cancel_reason = BookingStatus.CANCELLED, now, reason
        if plan.refund_amount or plan.refunded_already:
            booking.payment_status = PaymentStatus.REFUNDED
        session.add(booking)
        await session.flush()
        await bookings_service.emit_cancelled(session, booking, was_paid=True,
                                              refund_amount=plan.refund_amount or plan.refunded_already, now=now)
    return await seat_claims.unbook(session, showtime_id=plan.showtime_id, booking_id=plan.booking_id)
