"""Voucher math: whether a voucher applies to an amount and how much it takes off. Pure."""

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
    more than the amount itself."""
    if terms.type is VoucherType.PERCENTAGE:
        off = amount * terms.value // 100
    else:
        off = terms.value
    if terms.max_discount is not None:
        off = min(off, terms.max_discount)
    return max(0, min(off, amount))
