"""Ticket check-in at the door: who may enter, decided from the booking and its showtime. Pure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.bookings.models import BookingStatus
from domain.shared.errors import Conflict

ID_CHECK_RATINGS = frozenset({"T16", "T18"})


class TicketRefused(Conflict):
    """A scanned ticket that does not admit; `code` says why (shown on the scanner)."""

    def __init__(self, code: str, message: str, details: object = None) -> None:
        super().__init__(message, details)
        self.code = code  # type: ignore[misc]


@dataclass(frozen=True)
class EntryWindow:
    """Doors open `before` the start and close `after` it."""

    before: timedelta = timedelta(minutes=45)
    after: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class Admission:
    booking_id: uuid.UUID
    seats: list[str]
    id_check: bool  # T16/T18: staff check the guest's age


def admit(*, booking_status: BookingStatus, checked_in_at: datetime | None, booking_showtime: uuid.UUID,
          scanning_showtime: uuid.UUID, starts_at: datetime, now: datetime, window: EntryWindow) -> None:
    """Refuse with a reason code, or return to let the guest in (the caller records the entry)."""
    if booking_status in (BookingStatus.CANCELLED, BookingStatus.EXPIRED):
        raise TicketRefused("TICKET_CANCELLED", "This booking was cancelled.")
    if booking_status is BookingStatus.PENDING:
        raise TicketRefused("TICKET_UNPAID", "This booking has not been paid.")
    if booking_showtime != scanning_showtime:
        raise TicketRefused("WRONG_SHOWTIME", "This ticket is for another showtime.",
                            {"showtimeId": str(booking_showtime)})
    if checked_in_at is not None:
        raise TicketRefused("TICKET_ALREADY_USED", "This ticket has already been used.",
                            {"checkedInAt": checked_in_at.isoformat()})
    if now < starts_at - window.before:
        raise TicketRefused("TOO_EARLY", "Doors are not open yet for this showtime.",
                            {"opensAt": (starts_at - window.before).isoformat()})
    if now > starts_at + window.after:
        raise TicketRefused("TOO_LATE", "Entry for this showtime has closed.")
