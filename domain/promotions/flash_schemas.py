"""Bodies of the flash-sale routes, and what a hold carries of its flash tickets."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.promotions.schemas import SeatTypeName
from domain.shared.schemas import ApiModel


class FlashSaleCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=3, max_length=120)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    showtime_ids: list[uuid.UUID] = Field(default=[], max_length=200,
                                          description="The showtimes it covers; or give movieId")
    movie_id: uuid.UUID | None = Field(default=None, description="Every showtime of this movie")
    seat_types: list[SeatTypeName] = Field(default=[], max_length=3, description="Empty: every seat type")
    flash_price: int | None = Field(default=None, ge=0, le=10_000_000, description="VND per seat")
    discount_percent: int | None = Field(default=None, ge=1, le=99,
                                         description="Off the seat's price of the moment (rounded down to 1,000)")
    quota: int = Field(gt=0, le=100_000, description="Flash tickets in all")
    per_user_limit: int = Field(gt=0, le=50, description="Flash tickets per customer, over all their bookings")

    @field_validator("showtime_ids", "seat_types")
    @classmethod
    def _dedupe(cls, values: list[object]) -> list[object]:
        return sorted(set(values), key=str)

    @model_validator(mode="after")
    def _consistent(self) -> FlashSaleCreate:
        if self.starts_at >= self.ends_at:
            raise ValueError("endsAt must be after startsAt")
        if bool(self.showtime_ids) == (self.movie_id is not None):
            raise ValueError("give showtimeIds or movieId, one of them")
        if (self.flash_price is None) == (self.discount_percent is None):
            raise ValueError("give flashPrice or discountPercent, one of them")
        return self


class FlashSaleUpdate(ApiModel):
    """Switch a sale off (or on again), or move its end; quota may grow, never below what is taken."""

    model_config = ConfigDict(extra="forbid")

    is_active: bool | None = None
    ends_at: AwareDatetime | None = None
    quota: int | None = Field(default=None, gt=0, le=100_000)


class FlashSalePublic(ApiModel):
    id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    showtime_ids: list[uuid.UUID]
    movie_id: uuid.UUID | None
    seat_types: list[str]
    flash_price: int | None
    discount_percent: int | None
    quota: int
    per_user_limit: int
    is_active: bool
    left: int = Field(description="Flash tickets not sold or held now")
    sold: int


class FlashTicketsHeld(ApiModel):
    """The flash tickets of a hold: its seats' prices are already the flash prices."""

    flash_sale_id: uuid.UUID
    name: str
    tickets: int
    saved: int = Field(description="VND off the seats' regular prices")


class FlashClaimInput(BaseModel):
    booking_id: uuid.UUID
