"""Claiming a showtime's seats for a booking: all or nothing, in one atomic statement.

PostgreSQL is the source of truth for seats (BRIEF §4). The claim locks the wanted rows in id order
(so concurrent claims never deadlock) and moves those that are claimable to Locked; if fewer rows
moved than were asked for, the caller's transaction rolls back, so a claim never half-succeeds.
Every function is idempotent for its booking id: Temporal may run an activity twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.shared.errors import Conflict
from domain.showtimes.errors import ShowtimeNotFound
from domain.showtimes.models import SeatStatus, Showtime, ShowtimeSeat, ShowtimeStatus
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.queries import seat_type_prices
from domain.showtimes.repository import ShowtimeRepository
from domain.showtimes.schemas import SeatLine
from domain.showtimes.seat_rules import RowSeat, check_couples, check_no_orphans, check_size


class SeatsUnavailable(Conflict):
    code = "SEATS_UNAVAILABLE"


class SalesClosed(Conflict):
    code = "SALES_CLOSED"


_CLAIM = text("""
UPDATE showtimes.showtime_seat AS s
   SET status = 'Locked', locked_until = :until, locked_by = :user_id, booking_id = :booking_id,
       updated_at = now()
  FROM (SELECT id FROM showtimes.showtime_seat
         WHERE showtime_id = :showtime_id AND seat_id = ANY(:seat_ids)
         ORDER BY id FOR UPDATE) AS wanted
 WHERE s.id = wanted.id
   AND (s.status = 'Available'
        OR (s.status = 'Locked' AND (s.locked_until <= :now OR s.booking_id = :booking_id)))
RETURNING s.seat_id
""")

_RELEASE = text("""
UPDATE showtimes.showtime_seat
   SET status = 'Available', locked_until = NULL, locked_by = NULL, booking_id = NULL, updated_at = now()
 WHERE showtime_id = :showtime_id AND booking_id = :booking_id AND status = 'Locked'
RETURNING seat_id
""")

_BOOK = text("""
UPDATE showtimes.showtime_seat
   SET status = 'Booked', locked_until = NULL, updated_at = now()
 WHERE showtime_id = :showtime_id AND booking_id = :booking_id AND status IN ('Locked', 'Booked')
RETURNING seat_id
""")


_UNBOOK = text("""
UPDATE showtimes.showtime_seat AS s
   SET status = CASE WHEN st.status = 'Scheduled' THEN 'Available' ELSE 'Blocked' END,
       locked_until = NULL, locked_by = NULL, booking_id = NULL, updated_at = now()
  FROM showtimes.showtime AS st
 WHERE st.id = s.showtime_id AND s.showtime_id = :showtime_id AND s.booking_id = :booking_id
   AND s.status = 'Booked'
RETURNING s.seat_id
""")


def _label(seat: ShowtimeSeat) -> str:
    return f"{seat.row}{seat.number}"


def _free(seat: ShowtimeSeat, now: datetime, booking_id: uuid.UUID) -> bool:
    if seat.status is SeatStatus.AVAILABLE:
        return True
    return seat.status is SeatStatus.LOCKED and (
        seat.booking_id == booking_id or (seat.locked_until is not None and seat.locked_until <= now))


def _rows(seats: Sequence[ShowtimeSeat], now: datetime, booking_id: uuid.UUID) -> list[list[list[RowSeat]]]:
    """Each row as segments split where the column jumps (an aisle), for the no-orphan rule."""
    by_row: dict[str, list[ShowtimeSeat]] = defaultdict(list)
    for seat in seats:
        by_row[seat.row].append(seat)
    rows = []
    for row_seats in by_row.values():
        segments: list[list[RowSeat]] = []
        previous: ShowtimeSeat | None = None
        for seat in sorted(row_seats, key=lambda s: s.column):
            if previous is None or seat.column != previous.column + 1:
                segments.append([])
            segments[-1].append(RowSeat(seat_id=seat.seat_id, label=_label(seat), free=_free(seat, now, booking_id)))
            previous = seat
        rows.append(segments)
    return rows


async def check_selection(session: AsyncSession, *, showtime: Showtime, seat_ids: Sequence[uuid.UUID],
                          booking_id: uuid.UUID, max_seats: int, now: datetime,
                          orphan_rule: bool = True) -> list[ShowtimeSeat]:
    """Refuse a selection the house rules forbid; return the seats of the rows concerned."""
    if showtime.status is not ShowtimeStatus.SCHEDULED or showtime.start_time <= now:
        raise SalesClosed("Tickets for this showtime are no longer sold.")
    check_size(seat_ids, max_seats=max_seats)
    seats = await ShowtimeRepository(session).seats_in_rows_of(showtime.id, seat_ids)
    by_id = {seat.seat_id: seat for seat in seats}
    unknown = [str(s) for s in seat_ids if s not in by_id]
    if unknown:
        raise SeatsUnavailable("Some seats are not in this showtime.", {"seatIds": unknown})
    check_couples(seat_ids, {s.seat_id: s.pair_seat_id for s in seats if s.pair_seat_id})
    taken = [_label(by_id[s]) for s in seat_ids if not _free(by_id[s], now, booking_id)]
    if taken:
        raise SeatsUnavailable(f"Already taken: {', '.join(taken)}.", {"seats": taken})
    for row in _rows(seats, now, booking_id) if orphan_rule else ():
        check_no_orphans(row, seat_ids)
    return seats


async def claim(session: AsyncSession, *, showtime_id: uuid.UUID, seat_ids: Sequence[uuid.UUID],
                booking_id: uuid.UUID, user_id: uuid.UUID, until: datetime, now: datetime, max_seats: int,
                policy: PricingPolicy, orphan_rule: bool = True) -> list[SeatLine]:
    """Hold the seats for the booking until `until`, all or none; return them with their prices."""
    showtime = await ShowtimeRepository(session).get(showtime_id)
    if showtime is None:
        raise ShowtimeNotFound("No such showtime.")
    seats = await check_selection(session, showtime=showtime, seat_ids=seat_ids, booking_id=booking_id,
                                  max_seats=max_seats, now=now, orphan_rule=orphan_rule)
    connection = await session.connection()
    result = await connection.execute(_CLAIM, {"until": until, "user_id": user_id, "booking_id": booking_id,
                                               "showtime_id": showtime_id, "seat_ids": list(seat_ids), "now": now})
    claimed = {row.seat_id for row in result}
    if len(claimed) != len(set(seat_ids)):
        # Someone else won a seat between our check and our claim: the caller's transaction rolls back.
        by_id = {seat.seat_id: seat for seat in seats}
        lost = [_label(by_id[s]) for s in seat_ids if s not in claimed]
        raise SeatsUnavailable(f"Already taken: {', '.join(lost)}.", {"seats": lost})
    prices = await seat_type_prices(session, showtime=showtime, policy=policy, now=now)
    chosen = set(seat_ids)
    return [SeatLine(seat_id=s.seat_id, row=s.row, number=s.number, type=s.seat_type.value,
                     price=prices[s.seat_type].price) for s in seats if s.seat_id in chosen]


async def release(session: AsyncSession, *, showtime_id: uuid.UUID, booking_id: uuid.UUID) -> list[uuid.UUID]:
    """Compensates claim: free the booking's held seats (returned). Seats it does not hold are untouched."""
    connection = await session.connection()
    result = await connection.execute(_RELEASE, {"showtime_id": showtime_id, "booking_id": booking_id})
    return [row.seat_id for row in result]


async def book(session: AsyncSession, *, showtime_id: uuid.UUID, booking_id: uuid.UUID) -> list[uuid.UUID]:
    """Turn the booking's held seats into sold ones; returns every seat the booking now owns."""
    connection = await session.connection()
    result = await connection.execute(_BOOK, {"showtime_id": showtime_id, "booking_id": booking_id})
    return [row.seat_id for row in result]


async def unbook(session: AsyncSession, *, showtime_id: uuid.UUID, booking_id: uuid.UUID) -> list[uuid.UUID]:
    """A cancelled booking's sold seats go back on sale (Blocked instead if the showtime itself is off)."""
    connection = await session.connection()
    result = await connection.execute(_UNBOOK, {"showtime_id": showtime_id, "booking_id": booking_id})
    return [row.seat_id for row in result]
