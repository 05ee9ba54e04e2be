"""Request and response bodies of the showtime routes (camelCase JSON, seed §5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from domain.shared.schemas import ApiModel, PageParams
from domain.showtimes.models import SeatStatus, SeatType, ShowtimeStatus

LocalDay = date  # a field named `date` would hide the type inside its class
Price = Annotated[int, Field(ge=0, le=10_000_000, description="Integer VND")]
BasePrice = Annotated[
    int, Field(ge=1_000, le=10_000_000, multiple_of=1_000, description="Integer VND, a multiple of 1,000")
]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("May be left out, but not null.")
    return value


class SeatLine(ApiModel):
    """One held or booked seat with its price, as the seat claim answers and a booking keeps it."""

    seat_id: uuid.UUID
    row: str
    number: int
    type: str
    price: int

class SeatPricingIn(ApiModel):
    """A showtime's own price for one seat type: `price` (VND, fixed) or `multiplier` of the base price."""

    seat_type: SeatType
    price: Price | None = None
    multiplier: Annotated[Decimal, Field(gt=0, le=10, max_digits=6, decimal_places=3)] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SeatPricingIn:
        if (self.price is None) == (self.multiplier is None):
            raise ValueError("Give exactly one of price or multiplier.")
        return self


def _one_per_type(items: list[SeatPricingIn] | None) -> list[SeatPricingIn] | None:
    if items is not None and len({i.seat_type for i in items}) != len(items):
        raise ValueError("At most one entry per seat type.")
    return items


class ShowtimeCreate(ApiModel):
    movie_id: uuid.UUID
    theater_id: uuid.UUID
    start_time: AwareDatetime = Field(description="With its UTC offset, e.g. 2026-12-01T19:30:00+07:00")
    base_price: BasePrice
    seat_pricing: list[SeatPricingIn] = Field(default_factory=list, max_length=3)

    _unique = field_validator("seat_pricing")(_one_per_type)


class ShowtimeUpdate(ApiModel):
    """Reschedule or reprice; left-out fields stay. The end follows the start (film + cleaning gap)."""

    start_time: AwareDatetime | None = None
    base_price: BasePrice | None = None
    seat_pricing: list[SeatPricingIn] | None = Field(default=None, max_length=3)

    _not_null = field_validator("start_time", "base_price", "seat_pricing", mode="before")(_not_null)
    _unique = field_validator("seat_pricing")(_one_per_type)

    @model_validator(mode="after")
    def _something(self) -> ShowtimeUpdate:
        if not self.model_fields_set:
            raise ValueError("Change at least one of startTime, basePrice, seatPricing.")
        return self


class ShowtimeQuery(PageParams):
    movie_id: uuid.UUID | None = None
    cinema_id: uuid.UUID | None = None
    theater_id: uuid.UUID | None = None
    date: LocalDay | None = Field(default=None, ge=LocalDay(2000, 1, 1), le=LocalDay(2199, 12, 31),
                                  description="A local day in Asia/Ho_Chi_Minh (YYYY-MM-DD)")
    status: ShowtimeStatus | None = Field(default=None, description="Default: every status but Cancelled")


class CancelRequest(ApiModel):
    reason: str | None = Field(
        default=None, min_length=3, max_length=500, description="Required when seats are sold or held"
    )


class PromotionPublic(ApiModel):
    code: str
    name: str
    percent_off: int


class SeatTypePrice(ApiModel):
    seat_type: SeatType
    list_price: int = Field(description="Before the promotion, VND")
    price: int = Field(description="What one seat costs now, VND")


class ShowtimePublic(ApiModel):
    id: uuid.UUID
    movie_id: uuid.UUID
    movie_title: str | None
    theater_id: uuid.UUID
    cinema_id: uuid.UUID
    start_time: datetime
    end_time: datetime
    base_price: int
    status: ShowtimeStatus
    available_seats: int
    total_seats: int
    prices: list[SeatTypePrice]
    promotion: PromotionPublic | None
    cancel_reason: str | None = None


class SeatPublic(ApiModel):
    seat_id: uuid.UUID
    row: str
    number: int
    column: int
    type: SeatType
    status: SeatStatus = Field(description="Available, Locked (held), Booked, or Blocked (never sold)")
    price: int = Field(description="What this seat costs now, VND (one half of a couple pair)")
    list_price: int
    pair_seat_id: uuid.UUID | None


class SeatMapPublic(ApiModel):
    showtime_id: uuid.UUID
    status: ShowtimeStatus
    start_time: datetime
    end_time: datetime
    sales_open: bool
    promotion: PromotionPublic | None
    prices: list[SeatTypePrice]
    seats: list[SeatPublic]


class CancelledShowtime(ApiModel):
    showtime: ShowtimePublic
    booked_seats: int = Field(description="Seats sold before the cancellation: their refunds are pending")
    held_seats: int = Field(description="Seats held by unfinished bookings, now released")


class ShowtimeCancellation(BaseModel):
    """What cancelling a showtime did; `booking_ids` are the bookings whose seats were sold (to refund)."""

    showtime_id: uuid.UUID
    movie_id: uuid.UUID
    start_time: datetime
    cancelled_at: datetime
    cancelled_by: uuid.UUID
    reason: str | None
    held_seats: int  # seats of unfinished bookings; their holds are void, the booking saga must not confirm
    booked_seat_ids: list[uuid.UUID]
    booking_ids: list[uuid.UUID]
