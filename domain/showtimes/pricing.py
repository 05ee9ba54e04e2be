"""Ticket pricing: pure functions over a PricingPolicy (no I/O, safe anywhere, unit-tested).

How a seat's price is made, in this order:

1. **List price before rounding** = base price of the showtime
   × seat-type factor (Standard 1.00, VIP 1.30, Couple 1.25 *per seat*, i.e. 2.50 for the pair; a
     showtime's SeatPricing row may replace the factor with its own multiplier, or fix the price outright)
   × time-of-day band of the local start time (Asia/Ho_Chi_Minh: morning before 12:00 0.85,
     afternoon 12:00-17:00 1.00, evening from 17:00 1.15)
   × day factor (a public holiday 1.30, else Saturday/Sunday 1.15, else 1.00; never both).
   A fixed SeatPricing price replaces this whole step.
2. **Rounding**: money is integer VND, rounded half-up to the nearest 1,000 VND (`round_vnd`) —
   the list price is rounded once, after every factor.
3. **Promotion** ("Khuyến mãi theo thời gian"): the single best promotion that applies at the moment
   of purchase (largest percentage; promotions never stack) takes its percentage off the rounded list
   price, and the result is rounded to 1,000 VND again. Promotions are time-limited (valid_from /
   valid_until, compared with the local purchase date) and either early-bird (bought at least N days
   before the start) or a time window (showtimes on some weekdays and/or starting between two times).
   They are data (promotions.time_promotion, managed by Admins at /api/promotions/time-promotions):
   the API and the worker put the active ones into `PricingPolicy.promotions` (api/pricing.py), unless
   the old setting CINEMA_SHOWTIMES__PRICING__PROMOTIONS names them (it still wins).
   `Promotion` itself lives in domain/shared/time_promotions.py, below both services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.shared.time import LOCAL_TZ
from domain.shared.time_promotions import Promotion
from domain.showtimes.models import SeatType

VND_STEP = 1000
Factor = Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=3)]


def round_vnd(amount: Decimal | int) -> int:
    """Round an amount of VND half-up to the nearest 1,000 (1,499 → 1,000; 1,500 → 2,000)."""
    steps = (Decimal(amount) / VND_STEP).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(steps) * VND_STEP


class DayKind(StrEnum):
    WEEKDAY = "Weekday"
    WEEKEND = "Weekend"
    HOLIDAY = "Holiday"


class TimeBand(BaseModel):
    """Showtimes starting at `starts_at` local time or later (until the next band) get `factor`."""

    model_config = ConfigDict(frozen=True)

    name: str
    starts_at: time
    factor: Factor


def _tet(first_day: date) -> list[date]:
    """Tết Nguyên Đán: the last day of the lunar year and the first four days of the new one."""
    return [first_day + timedelta(days=offset) for offset in range(-1, 4)]


# Vietnamese public holidays (Labour Code art. 112). Lunar dates converted for UTC+7: Tết 2026-02-17
# and 2027-02-06, Giỗ Tổ Hùng Vương (10/3 lunar) 2026-04-26 and 2027-04-16. The day the government adds
# next to 2/9 changes each year (1/9 assumed here); the list is a setting (CINEMA_SHOWTIMES__HOLIDAYS).
DEFAULT_HOLIDAYS: frozenset[date] = frozenset(
    [
        date(2026, 1, 1),
        *_tet(date(2026, 2, 17)),
        date(2026, 4, 26),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 9, 1),
        date(2026, 9, 2),
        date(2027, 1, 1),
        *_tet(date(2027, 2, 6)),
        date(2027, 4, 16),
        date(2027, 4, 30),
        date(2027, 5, 1),
        date(2027, 9, 1),
        date(2027, 9, 2),
    ]
)

DEFAULT_BANDS: tuple[TimeBand, ...] = (
    TimeBand(name="Morning", starts_at=time(0, 0), factor=Decimal("0.85")),
    TimeBand(name="Afternoon", starts_at=time(12, 0), factor=Decimal("1.00")),
    TimeBand(name="Evening", starts_at=time(17, 0), factor=Decimal("1.15")),
)

# The chain's promotions before they became data; migration 0015_time_promotions inserted these same three,
# so a policy built without the table (unit tests, a seed) prices as before.
DEFAULT_PROMOTIONS: tuple[Promotion, ...] = (
    Promotion(code="EARLY-BIRD", name="Đặt sớm: -10% khi mua trước 3 ngày", percent_off=10, min_days_ahead=3),
    Promotion(
        code="HAPPY-TUESDAY",
        name="Thứ Ba vui vẻ: -20% mọi suất thứ Ba",
        percent_off=20,
        weekdays=frozenset({1}),
    ),
    Promotion(
        code="MORNING-DEAL",
        name="Suất sớm: -15% suất chiếu trước 10:00",
        percent_off=15,
        starts_before=time(10, 0),
    ),
)


class PricingPolicy(BaseModel):
    """Every pricing knob, with the chain's defaults; settings override fields by name."""

    model_config = ConfigDict(frozen=True)

    standard_factor: Factor = Decimal("1.00")
    vip_factor: Factor = Decimal("1.30")
    couple_factor: Factor = Decimal("1.25")  # per seat: a couple pair costs 2 × 1.25 = 2.5 × base
    bands: tuple[TimeBand, ...] = DEFAULT_BANDS
    weekend_factor: Factor = Decimal("1.15")
    holiday_factor: Factor = Decimal("1.30")
    holidays: frozenset[date] = DEFAULT_HOLIDAYS
    promotions: tuple[Promotion, ...] = DEFAULT_PROMOTIONS

    @model_validator(mode="after")
    def _bands_cover_the_day(self) -> PricingPolicy:
        starts = [band.starts_at for band in self.bands]
        if not starts or starts[0] != time(0, 0) or starts != sorted(set(starts)):
            raise ValueError("bands must start at 00:00 and be in increasing order of starts_at")
        return self

    @classmethod
    def from_settings(cls, overrides: dict[str, Any], holidays: list[date] | None) -> PricingPolicy:
        """Build the policy from settings: field overrides, and the holiday list when one is set."""
        values = dict(overrides)
        if holidays is not None:
            values["holidays"] = frozenset(holidays)
        return cls.model_validate(values)

    def seat_factor(self, seat_type: SeatType) -> Decimal:
        return {
            SeatType.STANDARD: self.standard_factor,
            SeatType.VIP: self.vip_factor,
            SeatType.COUPLE: self.couple_factor,
        }[seat_type]


@dataclass(frozen=True)
class SeatTypePrice:
    """A showtime's own pricing for one seat type: a fixed price, or a multiplier of the base price."""

    price: int | None = None
    multiplier: Decimal | None = None


@dataclass(frozen=True)
class PriceQuote:
    list_price: int  # before any promotion
    price: int  # what the customer pays now
    promotion: Promotion | None


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TZ)


def time_band(policy: PricingPolicy, starts_at: datetime) -> TimeBand:
    """The band of a showtime's local start time."""
    start = local(starts_at).time()
    return [band for band in policy.bands if band.starts_at <= start][-1]


def day_kind(policy: PricingPolicy, starts_at: datetime) -> DayKind:
    """Holiday beats weekend: a holiday on a Saturday is priced as a holiday, once."""
    day = local(starts_at).date()
    if day in policy.holidays:
        return DayKind.HOLIDAY
    return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WEEKDAY


def day_factor(policy: PricingPolicy, kind: DayKind) -> Decimal:
    return {
        DayKind.WEEKDAY: Decimal(1),
        DayKind.WEEKEND: policy.weekend_factor,
        DayKind.HOLIDAY: policy.holiday_factor,
    }[kind]


def list_price(
    policy: PricingPolicy,
    *,
    base_price: int,
    seat_type: SeatType,
    starts_at: datetime,
    own: SeatTypePrice | None = None,
) -> int:
    """The price of one seat of `seat_type` before promotions, rounded to 1,000 VND."""
    if own is not None and own.price is not None:
        return round_vnd(own.price)
    factor = (
        own.multiplier if own is not None and own.multiplier is not None else policy.seat_factor(seat_type)
    )
    amount = (
        Decimal(base_price)
        * factor
        * time_band(policy, starts_at).factor
        * day_factor(policy, day_kind(policy, starts_at))
    )
    return round_vnd(amount)


def best_promotion(policy: PricingPolicy, *, starts_at: datetime, now: datetime) -> Promotion | None:
    """The promotion with the largest discount that applies to a purchase at `now` (ties: listed first)."""
    starts_local, now_local = local(starts_at), local(now)
    found = [p for p in policy.promotions if p.applies(starts_local=starts_local, now_local=now_local)]
    return max(found, key=lambda p: p.percent_off, default=None)


def apply_promotion(price: int, promotion: Promotion | None) -> int:
    if promotion is None:
        return price
    return round_vnd(Decimal(price) * (100 - promotion.percent_off) / 100)


def quote(
    policy: PricingPolicy,
    *,
    base_price: int,
    seat_type: SeatType,
    starts_at: datetime,
    now: datetime,
    own: SeatTypePrice | None = None,
) -> PriceQuote:
    """What one seat of `seat_type` costs when bought at `now`."""
    listed = list_price(policy, base_price=base_price, seat_type=seat_type, starts_at=starts_at, own=own)
    promotion = best_promotion(policy, starts_at=starts_at, now=now)
    return PriceQuote(list_price=listed, price=apply_promotion(listed, promotion), promotion=promotion)
