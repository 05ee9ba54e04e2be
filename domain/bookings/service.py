"""Use cases of the bookings context: the booking row that mirrors its saga. Services flush, never commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings.checkin import ID_CHECK_RATINGS, Admission, EntryWindow, TicketRefused, admit
from domain.bookings.models import Booking, BookingFnB, BookingSeat, BookingStatus, PaymentStatus
from domain.bookings.repository import BookingRepository
from domain.bookings.tickets import decode_ticket
from domain.contracts import events
from domain.contracts.events import Topic
from domain.fnb.schemas import SoldLine
from domain.movies import service as movies_service
from domain.shared.errors import Conflict, NotFound
from domain.shared.outbox import emit
from domain.showtimes import service as showtimes_service
from domain.showtimes.schemas import SeatLine


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"


async def create_pending(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID,
                         showtime_id: uuid.UUID, seats: Sequence[SeatLine], discount: int, voucher_code: str | None,
                         payment_method: str, expires_at: datetime, fnb: Sequence[SoldLine] = (),
                         points_amount: int = 0) -> Booking:
    """Record the booking (Pending) with its seats and F&B lines at their prices; idempotent on booking_id."""
    repo = BookingRepository(session)
    existing = await repo.get(booking_id)
    if existing is not None:
        return existing
    fnb_amount = sum(line.amount for line in fnb)
    total = sum(seat.price for seat in seats) + fnb_amount
    booking = Booking(id=booking_id, user_id=user_id, showtime_id=showtime_id, total_amount=total,
                      fnb_amount=fnb_amount, discount=discount, points_amount=points_amount,
                      final_amount=total - discount - points_amount,
                      voucher_code=voucher_code, payment_method=payment_method, expires_at=expires_at)
    await repo.add(booking)
    await repo.add(*(BookingSeat(booking_id=booking_id, seat_id=s.seat_id, row=s.row, number=s.number,
                                 seat_type=s.type, price=s.price) for s in seats))
    await repo.add(*(BookingFnB(booking_id=booking_id, item_id=line.item_id, combo_id=line.combo_id, name=line.name,
                                quantity=line.quantity, price=line.unit_price) for line in fnb))
    await emit(session, Topic.BOOKING_CREATED, events.BookingCreated(
        booking_id=booking_id, user_id=user_id, showtime_id=showtime_id, seat_ids=[s.seat_id for s in seats],
        total_amount=total, discount=discount, final_amount=total - discount - points_amount,
        payment_method=payment_method,
        expires_at=expires_at), aggregate_id=booking_id)
    return booking


async def close_unpaid(session: AsyncSession, *, booking_id: uuid.UUID, status: BookingStatus, reason: str,
                       now: datetime) -> bool:
    """Compensates create_pending: a Pending booking ends Cancelled or Expired. Anything else is left as is."""
    booking = await BookingRepository(session).get(booking_id, for_update=True)
    if booking is None or booking.status is not BookingStatus.PENDING:
        return False
    booking.status, booking.cancel_reason, booking.cancelled_at = status, reason, now
    if booking.payment_status is PaymentStatus.PENDING:
        booking.payment_status = PaymentStatus.FAILED
    session.add(booking)
    await session.flush()
    await emit_cancelled(session, booking, was_paid=False, refund_amount=0, now=now)
    return True


async def emit_cancelled(session: AsyncSession, booking: Booking, *, was_paid: bool, refund_amount: int,
                         now: datetime) -> None:
    """booking.cancelled, for a booking that ended unused (cancelled, compensated or expired)."""
    await emit(session, Topic.BOOKING_CANCELLED, events.BookingCancelled(
        booking_id=booking.id, user_id=booking.user_id, showtime_id=booking.showtime_id,
        status=booking.status.value, was_paid=was_paid, refund_amount=refund_amount, reason=booking.cancel_reason,
        cancelled_at=now), aggregate_id=booking.id)


async def confirm(session: AsyncSession, *, booking_id: uuid.UUID, payment_id: uuid.UUID | None, qr_code: str,
                  now: datetime) -> Booking:
    """The booking is paid: Confirmed with its ticket code. Idempotent; refuses a closed booking."""
    booking = await BookingRepository(session).get(booking_id, for_update=True)
    if booking is None:
        raise BookingNotFound("No such booking.")
    if booking.status is BookingStatus.CONFIRMED:
        return booking
    if booking.status is not BookingStatus.PENDING:
        raise Conflict(f"The booking is {booking.status.value}; it cannot be confirmed.")
    booking.status, booking.payment_status = BookingStatus.CONFIRMED, PaymentStatus.PAID
    booking.payment_id, booking.qr_code, booking.confirmed_at = payment_id, qr_code, now
    session.add(booking)
    await session.flush()
    seats = (await BookingRepository(session).seats([booking_id]))[booking_id]
    await emit(session, Topic.BOOKING_CONFIRMED, events.BookingConfirmed(
        booking_id=booking.id, user_id=booking.user_id, showtime_id=booking.showtime_id,
        seat_ids=[seat.seat_id for seat in seats], final_amount=booking.final_amount, payment_id=payment_id,
        confirmed_at=now), aggregate_id=booking.id)
    await emit(session, Topic.ANALYTICS_BOOKING, events.AnalyticsBooking(
        booking_id=booking.id, showtime_id=booking.showtime_id, user_id=booking.user_id, seats=len(seats),
        amount=booking.final_amount, status=booking.status.value, at=now), aggregate_id=booking.id)
    return booking


async def get(session: AsyncSession, *, booking_id: uuid.UUID, viewer: uuid.UUID | None = None,
              staff: bool = True) -> tuple[Booking, list[BookingSeat]]:
    """The booking with its seats; someone else's booking is NotFound unless the viewer is staff."""
    repo = BookingRepository(session)
    booking = await repo.get(booking_id)
    if booking is None or (not staff and booking.user_id != viewer):
        raise BookingNotFound("No such booking.")
    return booking, (await repo.seats([booking_id]))[booking_id]


async def fnb_lines(session: AsyncSession, *, booking_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[SoldLine]]:
    """The F&B lines of each booking, as ordered."""
    return {booking_id: [SoldLine(item_id=r.item_id, combo_id=r.combo_id, name=r.name, quantity=r.quantity,
                                  unit_price=r.price) for r in rows]
            for booking_id, rows in (await BookingRepository(session).fnb(booking_ids)).items()}


async def has_paid_booking(session: AsyncSession, *, user_id: uuid.UUID) -> bool:
    """Whether the user has a paid booking already (Confirmed or Completed): a voucher "first booking only"."""
    return await BookingRepository(session).has_paid(user_id)


async def of_user(session: AsyncSession, *, user_id: uuid.UUID, offset: int,
                  limit: int) -> tuple[list[tuple[Booking, list[BookingSeat]]], int]:
    """The user's bookings, newest first, each with its seats."""
    repo = BookingRepository(session)
    bookings, total = await repo.of_user(user_id, offset=offset, limit=limit)
    seats = await repo.seats([b.id for b in bookings])
    return [(b, seats[b.id]) for b in bookings], total


async def check_in(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> bool:
    """Record the entry once: True for this scan, False if a scan already recorded it (a repeat, not a
    second entry). The row lock makes two scans at once record one entry."""
    booking = await BookingRepository(session).get(booking_id, for_update=True)
    if booking is None:
        raise BookingNotFound("No such booking.")
    if booking.checked_in_at is not None:
        return False
    if booking.status is not BookingStatus.CONFIRMED:  # cancelled since the scan was checked: its seat is free
        raise TicketRefused("TICKET_CANCELLED", "This booking was cancelled.")
    booking.checked_in_at = now
    session.add(booking)
    await session.flush()
    return True


async def validate_ticket(session: AsyncSession, *, booking_id: uuid.UUID, code: str, showtime_id: uuid.UUID,
                          secret: str, now: datetime, window: EntryWindow) -> Admission:
    """Let a ticket holder in once: the QR code must be this booking's current ticket, paid, for the showtime
    being admitted, inside its entry window. Raises TicketRefused with the reason otherwise."""
    ticket = decode_ticket(code, secret=secret)
    booking = await BookingRepository(session).get(booking_id)
    if ticket is None or ticket.booking_id != booking_id or booking is None or booking.qr_code != code.strip():
        raise TicketRefused("TICKET_INVALID", "This is not a valid ticket.")
    showtime = await showtimes_service.get_showtime(session, showtime_id=booking.showtime_id)
    admit(booking_status=booking.status, checked_in_at=booking.checked_in_at, booking_showtime=booking.showtime_id,
          scanning_showtime=showtime_id, starts_at=showtime.start_time, now=now, window=window)
    if not await check_in(session, booking_id=booking_id, now=now):
        raise TicketRefused("TICKET_ALREADY_USED", "This ticket has already been used.")
    movie = await movies_service.get_movie(session, movie_id=showtime.movie_id)
    seats = (await BookingRepository(session).seats([booking_id]))[booking_id]
    return Admission(booking_id=booking_id, seats=[f"{s.row}{s.number}" for s in seats],
                     id_check=movie.age_rating.value in ID_CHECK_RATINGS)
