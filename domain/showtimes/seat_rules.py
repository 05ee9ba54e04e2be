"""Which seat selections a customer may hold: size, couple pairs, and the no-orphan rule. Pure.

The no-orphan rule (common in cinemas, configurable): a selection may not leave a single empty seat
between unavailable seats (taken, held or broken) or at the end of a row segment (a row's end or an
aisle) — unless no other selection of the same size in that row avoids it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from domain.shared.errors import Conflict, InvalidInput

SeatId = Hashable


class TooManySeats(InvalidInput):
    code = "TOO_MANY_SEATS"


class CoupleSeatsInPairs(InvalidInput):
    code = "COUPLE_SEATS_IN_PAIRS"


class OrphanSeat(Conflict):
    code = "ORPHAN_SEAT"


@dataclass(frozen=True)
class RowSeat:
    """One seat of a row, in seat-number order; `free` means nobody holds it and it is not broken."""

    seat_id: SeatId
    label: str
    free: bool


# A row is a list of segments: runs of adjacent seats, split by aisles.
Row = Sequence[Sequence[RowSeat]]


def check_size(seat_ids: Sequence[SeatId], *, max_seats: int) -> None:
    if not seat_ids:
        raise TooManySeats("Pick at least one seat.")
    if len(set(seat_ids)) != len(seat_ids):
        raise TooManySeats("A seat is listed twice.")
    if len(seat_ids) > max_seats:
        raise TooManySeats(f"At most {max_seats} seats per booking.", {"maxSeats": max_seats})


def check_couples(seat_ids: Sequence[SeatId], partner_of: Mapping[SeatId, SeatId]) -> None:
    """Couple seats are sold as pairs: a couple seat needs its partner in the same selection."""
    chosen = set(seat_ids)
    lonely = sorted(str(s) for s in chosen if s in partner_of and partner_of[s] not in chosen)
    if lonely:
        raise CoupleSeatsInPairs("Couple seats are sold in pairs; pick both seats of the pair.",
                                 {"seatIds": lonely})


def _new_orphans(row: Row, chosen: set[SeatId]) -> list[str]:
    """Labels of seats the selection would leave alone (a free run of one next to a chosen seat)."""
    orphans = []
    for segment in row:
        free_after = [seat.free and seat.seat_id not in chosen for seat in segment]
        for i, seat in enumerate(segment):
            if not free_after[i]:
                continue
            left_closed = i == 0 or not free_after[i - 1]
            right_closed = i == len(segment) - 1 or not free_after[i + 1]
            touches_choice = any(0 <= j < len(segment) and segment[j].seat_id in chosen for j in (i - 1, i + 1))
            if left_closed and right_closed and touches_choice:
                orphans.append(seat.label)
    return orphans


def _alternatives(row: Row, size: int) -> list[set[SeatId]]:
    """Contiguous runs of `size` free seats within one segment: what a cashier would offer instead."""
    found = []
    for segment in row:
        for start in range(len(segment) - size + 1):
            window = segment[start:start + size]
            if all(seat.free for seat in window):
                found.append({seat.seat_id for seat in window})
    return found


def check_no_orphans(row: Row, seat_ids: Sequence[SeatId]) -> None:
    """Refuse a selection in this row that strands a single seat when another of the same size would not."""
    in_row = {seat.seat_id for segment in row for seat in segment}
    chosen = set(seat_ids) & in_row
    if not chosen:
        return
    orphans = _new_orphans(row, chosen)
    if not orphans:
        return
    better = next((alt for alt in _alternatives(row, len(chosen)) if not _new_orphans(row, alt)), None)
    if better is None:
        return  # nothing of that size avoids it: the selection stands
    labels = [seat.label for segment in row for seat in segment if seat.seat_id in better]
    raise OrphanSeat("This choice would leave a single seat empty; choose seats next to each other or "
                     "at the end of the row.", {"orphanSeats": orphans, "suggestion": labels})
