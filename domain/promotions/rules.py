"""Voucher math: whether a voucher applies to a purchase and how much it takes off. Pure.

**How discounts combine (the one rule).** A booking takes at most one voucher. Time promotions and
flash prices are already in the seat prices the hold answered (showtimes' PricingPolicy, then a running flash
sale: its fixed price if that is lower, or its percentage off that price — flash_rules.py); a voucher applies
on top of them, to the part of the purchase its `applicableFor` names — tickets (`Movie`), F&B (`FnB`) or
both (`All`, `Both`) — and, with a seat-type scope, only to the seats of those types. Loyalty points pay
what is left after the voucher. Every discount is whole VND rounded down, capped by `maxDiscount`, and never
more than the amount it applies to, so nothing is ever below 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum

from domain.shared.errors import Conflict, InvalidInput, NotFound


class VoucherType(StrEnum):
    PERCENTAGE = "Percentage"
    FIXED_AMOUNT = "FixedAmount"
    FREE_ITEM = "FreeItem"


class VoucherScope(StrEnum):
    ALL = "All"
    MOVIE = "Movie"
    FNB = "FnB"
    BOTH = "Both"


class VoucherStatus(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    EXPIRED = "Expired"


class VoucherNotFound(NotFound):
    code = "VOUCHER_NOT_FOUND"


class VoucherNotUsable(Conflict):
    code = "VOUCHER_NOT_USABLE"


class VoucherMinPurchase(InvalidInput):
    code = "VOUCHER_MIN_PURCHASE"


@dataclass(frozen=True)
class VoucherLimits:
    """Where a voucher may be used; an empty set or None is "any"."""

    movie_ids: frozenset[uuid.UUID] = frozenset()
    cinema_ids: frozenset[uuid.UUID] = frozenset()
    seat_types: frozenset[str] = frozenset()
    days_of_week: frozenset[int] = frozenset()  # ISO weekdays, 1 Monday .. 7 Sunday
    time_from: time | None = None
    time_to: time | None = None
    first_booking_only: bool = False


@dataclass(frozen=True)
class VoucherTerms:
    code: str
    type: VoucherType
    value: int
    min_purchase: int
    max_discount: int | None
    starts_at: datetime
    ends_at: datetime
    status: VoucherStatus
    applicable_for: VoucherScope = VoucherScope.ALL
    limits: VoucherLimits = field(default_factory=VoucherLimits)


@dataclass(frozen=True)
class PricedSeat:
    type: str
    price: int


@dataclass(frozen=True)
class Purchase:
    """What a voucher is asked to apply to: the seats and F&B of a booking, and where and when it is."""

    seats: tuple[PricedSeat, ...] = ()
    fnb_amount: int = 0
    movie_id: uuid.UUID | None = None
    cinema_id: uuid.UUID | None = None
    starts_local: datetime | None = None  # the showtime's start, Asia/Ho_Chi_Minh
    first_booking: bool = False

    @property
    def ticket_amount(self) -> int:
        return sum(seat.price for seat in self.seats)

    @property
    def total(self) -> int:
        return self.ticket_amount + self.fnb_amount


def applies_to(terms: VoucherTerms, purchase: Purchase) -> int:
    """The VND the voucher's discount is taken from: tickets, F&B or both, as its applicableFor says, and
    of the tickets only the seats of its seat types (if it names any)."""
    seat_types = terms.limits.seat_types
    tickets = sum(seat.price for seat in purchase.seats if not seat_types or seat.type in seat_types)
    if terms.applicable_for is VoucherScope.MOVIE:
        return tickets
    if terms.applicable_for is VoucherScope.FNB:
        return purchase.fnb_amount
    return tickets + purchase.fnb_amount


def _in_band(start: time, band_from: time | None, band_to: time | None) -> bool:
    if band_from is None and band_to is None:
        return True
    lo, hi = band_from or time.min, band_to or time.max
    return lo <= start < hi if lo <= hi else (start >= lo or start < hi)  # a band across midnight


def check_scope(terms: VoucherTerms, purchase: Purchase) -> None:
    """Refuse a purchase outside the voucher's scope (movie, cinema, seat types, day, time band, first
    booking), with the reason in details."""
    limits, code = terms.limits, terms.code

    def refuse(reason: str, message: str) -> VoucherNotUsable:
        return VoucherNotUsable(f"Voucher {code} {message}.", {"reason": reason})

    if limits.movie_ids and purchase.movie_id not in limits.movie_ids:
        raise refuse("NOT_THIS_MOVIE", "is not valid for this film")
    if limits.cinema_ids and purchase.cinema_id not in limits.cinema_ids:
        raise refuse("NOT_THIS_CINEMA", "is not valid at this cinema")
    if limits.seat_types and not any(seat.type in limits.seat_types for seat in purchase.seats):
        raise refuse("NOT_THESE_SEATS", f"is only for {', '.join(sorted(limits.seat_types))} seats")
    start = purchase.starts_local
    if limits.days_of_week and (start is None or start.isoweekday() not in limits.days_of_week):
        raise refuse("NOT_THIS_DAY", "is not valid on this day")
    if (limits.time_from or limits.time_to) and (start is None or not _in_band(start.time(), limits.time_from,
                                                                               limits.time_to)):
        raise refuse("NOT_THIS_TIME", "is not valid at this showtime's hour")
    if limits.first_booking_only and not purchase.first_booking:
        raise refuse("FIRST_BOOKING_ONLY", "is only for a first booking")
    if terms.applicable_for is VoucherScope.FNB and not purchase.fnb_amount and terms.type is not \
            VoucherType.FREE_ITEM:
        raise refuse("NO_FNB", "applies to food and drinks, and this booking has none")


def check_usable(terms: VoucherTerms, *, amount: int, now: datetime) -> None:
    """Refuse a voucher that is off, outside its dates, or below its minimum purchase, saying why."""
    if terms.status is not VoucherStatus.ACTIVE:
        raise VoucherNotUsable(f"Voucher {terms.code} is not active.", {"reason": "INACTIVE"})
    if now < terms.starts_at:
        raise VoucherNotUsable(f"Voucher {terms.code} starts later.", {"reason": "NOT_STARTED",
                                                                      "startsAt": terms.starts_at.isoformat()})
    if now >= terms.ends_at:
        raise VoucherNotUsable(f"Voucher {terms.code} has expired.", {"reason": "EXPIRED"})
    if amount < terms.min_purchase:
        raise VoucherMinPurchase(f"Voucher {terms.code} needs a purchase of at least {terms.min_purchase:,} VND.",
                                 {"minPurchase": terms.min_purchase})


def discount(terms: VoucherTerms, *, amount: int) -> int:
    """VND taken off `amount`: a percentage (rounded down, capped by maxDiscount) or a fixed sum, never
    more than the amount itself. A FreeItem voucher takes nothing off: it adds its item at 0 VND."""
    if terms.type is VoucherType.FREE_ITEM:
        return 0
    if terms.type is VoucherType.PERCENTAGE:
        off = amount * terms.value // 100
    else:
        off = terms.value
    if terms.max_discount is not None:
        off = min(off, terms.max_discount)
    return max(0, min(off, amount))
