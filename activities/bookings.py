"""Booking activities: the booking row (create, close as compensation, confirm with its ticket) and selling
its seats; the cancellation of a paid booking (plan, cancel, mails).

`close_booking` (the saga's compensation of `create_booking`: an unpaid booking ends Cancelled or Expired)
and `cancel_booking` (the CancellationWorkflow's step: a paid booking is cancelled by the policy) are two
things with two names, and each name is the same in the saga's steps, the activity and its events."""

from __future__ import annotations

from redis.asyncio import Redis
from temporalio import activity

from activities.errors import as_application_error, refused_step
from domain.bookings import cancellations
from domain.bookings import mails as bookings_mails
from domain.bookings import service as bookings_service
from domain.bookings.models import BookingStatus
from domain.bookings.refunds import RefundNotice
from domain.bookings.schemas import (
    CancelBookingInput,
    CancellationPlan,
    CloseBookingInput,
    ConfirmBookingInput,
    CreateBookingInput,
    PlanCancellationInput,
    Ticket,
)
from domain.bookings.tickets import TicketCode, encode_ticket, new_nonce
from domain.contracts.events import Topic
from domain.notifications.schemas import OutgoingMail
from domain.shared.errors import Conflict
from domain.shared.saga_events import saga_completed, saga_step
from domain.shared.time import utcnow
from domain.showtimes import seat_claims
from infra import seat_map_events
from infra.db import SessionMaker, unit_of_work

SERVICE = "bookings"


class SeatsLost(Conflict):
    code = "SEATS_LOST"


class BookingActivities:
    def __init__(self, sessionmaker: SessionMaker, redis: Redis, ticket_secret: str) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._ticket_secret = ticket_secret

    @activity.defn
    async def create_booking(self, input: CreateBookingInput) -> None:
        """Record the booking as Pending with its seats and prices (idempotent on the booking id)."""
        async with unit_of_work(self._sessionmaker) as session:
            await bookings_service.create_pending(
                session, booking_id=input.booking_id, user_id=input.user_id, showtime_id=input.showtime_id,
                seats=input.seats, discount=input.discount, voucher_code=input.voucher_code,
                payment_method=input.payment_method, expires_at=input.expires_at, fnb=input.fnb_lines,
                points_amount=input.points_amount)
            await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id, step="create_booking",
                            service=SERVICE)

    @activity.defn
    async def close_booking(self, input: CloseBookingInput) -> None:
        """Compensates create_booking: a Pending booking ends Cancelled or Expired (no booking: no-op)."""
        async with unit_of_work(self._sessionmaker) as session:
            await bookings_service.close_unpaid(session, booking_id=input.booking_id,
                                                status=BookingStatus(input.status), reason=input.reason,
                                                now=utcnow())
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="close_booking",
                            service=SERVICE)

    @activity.defn
    async def confirm_booking(self, input: ConfirmBookingInput) -> Ticket:
        """Sell the held seats and confirm the booking with a signed QR ticket, in one transaction.

        If a seat was lost (the hold ran out and someone else took it) nothing changes and SEATS_LOST
        tells the saga to refund."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="confirm_booking",
                                service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                booking, seats = await bookings_service.get(session, booking_id=input.booking_id)
                if booking.qr_code:
                    return Ticket(booking_id=booking.id, qr_code=booking.qr_code)
                sold = await seat_claims.book(session, showtime_id=input.showtime_id, booking_id=input.booking_id)
                if set(sold) != {seat.seat_id for seat in seats}:
                    raise SeatsLost("Some seats of this booking were sold to someone else after the hold ended.")
                code = encode_ticket(TicketCode(booking_id=booking.id, nonce=new_nonce()), secret=self._ticket_secret)
                await bookings_service.confirm(session, booking_id=booking.id, payment_id=input.payment_id,
                                               qr_code=code, now=utcnow())
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=booking.id, step="confirm_booking",
                                service=SERVICE)
                # Paid and confirmed: the saga has succeeded (points and mail after it never undo it).
                await saga_completed(session, saga_id=booking.id, outcome="CONFIRMED", service=SERVICE)
        await seat_map_events.publish(self._redis, showtime_id=input.showtime_id, status="Booked", seat_ids=sold)
        return Ticket(booking_id=input.booking_id, qr_code=code)

    @activity.defn
    async def compose_confirmation(self, input: ConfirmBookingInput) -> OutgoingMail:
        """The confirmation mail of a confirmed booking (film, cinema, time, seats, ticket code)."""
        async with unit_of_work(self._sessionmaker) as session:
            return await bookings_mails.confirmation(session, booking_id=input.booking_id)

    @activity.defn
    async def plan_cancellation(self, input: PlanCancellationInput) -> CancellationPlan:
        """Decide the refund of a cancellation (policy or staff override); refuse when it cannot be cancelled."""
        with as_application_error():
            async with unit_of_work(self._sessionmaker) as session:
                return await cancellations.plan(session, booking_id=input.booking_id, request=input.request,
                                                now=utcnow())

    @activity.defn
    async def cancel_booking(self, input: CancelBookingInput) -> None:
        """Cancel the paid booking and put its seats back on sale (idempotent); refuse a ticket used meanwhile."""
        with as_application_error():
            async with unit_of_work(self._sessionmaker) as session:
                freed = await cancellations.cancel(session, plan=input.plan, reason=input.reason, now=utcnow())
        if freed:
            await seat_map_events.publish(self._redis, showtime_id=input.plan.showtime_id, status="Available",
                                          seat_ids=freed)

    @activity.defn
    async def compose_cancellation(self, input: CancelBookingInput) -> OutgoingMail:
        """The mail telling the customer their booking is cancelled and what is refunded."""
        async with unit_of_work(self._sessionmaker) as session:
            return await bookings_mails.cancellation(session, plan=input.plan)

    @activity.defn
    async def compose_refund_notice(self, input: RefundNotice) -> OutgoingMail | None:
        """The mail telling a customer money came back to them (None when the booking is unknown)."""
        async with unit_of_work(self._sessionmaker) as session:
            return await bookings_mails.refund_notice(session, notice=input)
