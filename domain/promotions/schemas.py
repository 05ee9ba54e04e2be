"""Request and response bodies of the promotions routes, and the saga's voucher contracts."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.promotions.rules import VoucherScope, VoucherStatus, VoucherType
from domain.shared.schemas import ApiModel, PageParams

SeatTypeName = Literal["Standard", "VIP", "Couple"]


def _sorted_set(values: list[Any] | None) -> list[Any] | None:
    return None if values is None else sorted(set(values))


class VoucherScopeFields(ApiModel):
    """Where a voucher may be used; an empty list or null means any."""

    per_user_limit: int | None = Field(default=1, gt=0, le=1000,
                                       description="Uses per customer; null: only the usage limit counts")
    applicable_for: VoucherScope = Field(default=VoucherScope.ALL, description=(
        "The part of the amount the discount comes off: Movie (tickets), FnB, All or Both (tickets and F&B)"))
    movie_ids: list[uuid.UUID] = Field(default=[], max_length=100)
    cinema_ids: list[uuid.UUID] = Field(default=[], max_length=100)
    seat_types: list[SeatTypeName] = Field(default=[], max_length=3)
    days_of_week: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default=[], max_length=7, description="ISO weekdays of the showtime: 1 Monday .. 7 Sunday")
    time_from: time | None = Field(default=None, description="Showtimes starting at or after (local time)")
    time_to: time | None = Field(default=None, description="Showtimes starting before (local time); may wrap "
                                                           "past midnight")
    first_booking_only: bool = False
    personal: bool = Field(default=False, description="Only the users it is given to (…/assign) may use it")

    _dedupe = field_validator("movie_ids", "cinema_ids", "seat_types", "days_of_week")(_sorted_set)

    @model_validator(mode="after")
    def _band(self) -> VoucherScopeFields:
        if self.time_from is not None and self.time_from == self.time_to:
            raise ValueError("timeFrom and timeTo must differ")
        return self


class VoucherCreate(VoucherScopeFields):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(default="", max_length=300)
    type: VoucherType = Field(description="Percentage, FixedAmount, or FreeItem (adds `value` of an F&B item or "
                                          "combo at 0 VND to the order, its stock reserved like any pre-order)")
    value: int = Field(gt=0, le=100_000_000, description="Percent, VND, or how many free items")
    free_item_id: uuid.UUID | None = Field(default=None, description="FreeItem: the F&B item it adds")
    free_combo_id: uuid.UUID | None = Field(default=None, description="FreeItem: or the combo it adds")
    min_purchase: int = Field(default=0, ge=0, le=1_000_000_000)
    max_discount: int | None = Field(default=None, gt=0, le=1_000_000_000)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    usage_limit: int | None = Field(default=None, gt=0, le=10_000_000)

    @field_validator("code")
    @classmethod
    def _upper(cls, code: str) -> str:
        return code.upper()

    @model_validator(mode="after")
    def _consistent(self) -> VoucherCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("endsAt must be after startsAt")
        if self.type is VoucherType.PERCENTAGE and self.value > 100:
            raise ValueError("a percentage voucher's value is at most 100")
        free = (self.free_item_id is not None) + (self.free_combo_id is not None)
        if self.type is VoucherType.FREE_ITEM and (free != 1 or self.value > 10):
            raise ValueError("a FreeItem voucher names one freeItemId or freeComboId, and at most 10 of it (value)")
        if self.type is not VoucherType.FREE_ITEM and free:
            raise ValueError("only a FreeItem voucher names a free item or combo")
        return self


class VoucherUpdate(ApiModel):
    """Change or deactivate a voucher (Admin): only the fields sent change. Its code, type and value stay, so a
    use already reserved keeps meaning what it meant."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=300)
    status: Literal[VoucherStatus.ACTIVE, VoucherStatus.INACTIVE] | None = Field(
        default=None, description="Inactive switches it off; Expired follows from endsAt by itself")
    min_purchase: int | None = Field(default=None, ge=0, le=1_000_000_000)
    max_discount: int | None = Field(default=None, gt=0, le=1_000_000_000)
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    usage_limit: int | None = Field(default=None, gt=0, le=10_000_000)
    per_user_limit: int | None = Field(default=None, gt=0, le=1000)
    applicable_for: VoucherScope | None = None
    movie_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    cinema_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    seat_types: list[SeatTypeName] | None = Field(default=None, max_length=3)
    days_of_week: list[Annotated[int, Field(ge=1, le=7)]] | None = Field(default=None, max_length=7)
    time_from: time | None = None
    time_to: time | None = None
    first_booking_only: bool | None = None
    personal: bool | None = None

    _dedupe = field_validator("movie_ids", "cinema_ids", "seat_types", "days_of_week")(_sorted_set)


class VoucherPublic(ApiModel):
    id: uuid.UUID
    code: str
    description: str
    type: VoucherType
    value: int
    min_purchase: int
    max_discount: int | None
    starts_at: datetime
    ends_at: datetime
    usage_limit: int | None
    used_count: int
    per_user_limit: int | None
    applicable_for: VoucherScope
    status: VoucherStatus = Field(description="Active, Inactive, or Expired once endsAt has passed")
    movie_ids: list[uuid.UUID]
    cinema_ids: list[uuid.UUID]
    seat_types: list[str]
    days_of_week: list[int]
    time_from: time | None
    time_to: time | None
    first_booking_only: bool
    free_item_id: uuid.UUID | None
    free_combo_id: uuid.UUID | None
    personal: bool


class VoucherQuery(PageParams):
    status: VoucherStatus | None = None


class ValidateVoucherRequest(ApiModel):
    code: str = Field(min_length=1, max_length=40)
    amount: int = Field(gt=0, le=1_000_000_000)


class VoucherQuote(ApiModel):
    code: str
    discount: int
    final_amount: int


class VoucherSeat(BaseModel):
    type: str
    price: int


class ReserveVoucherInput(BaseModel):
    """What the booking saga sends to reserve one use; `booking_id` is the idempotency key. `amount` is the
    tickets' amount; sagas since vouchers have scopes also send the showtime, the seats and the F&B amount."""

    booking_id: uuid.UUID
    user_id: uuid.UUID
    code: str
    amount: int
    showtime_id: uuid.UUID | None = None
    seats: list[VoucherSeat] = []
    fnb_amount: int = 0


class ReleaseVoucherInput(BaseModel):
    booking_id: uuid.UUID


class FreeItem(BaseModel):
    """What a FreeItem voucher adds to the order at 0 VND."""

    item_id: uuid.UUID | None = None
    combo_id: uuid.UUID | None = None
    quantity: int


class VoucherReserved(BaseModel):
    voucher_id: uuid.UUID
    code: str
    discount: int
    free_item: FreeItem | None = None


class LoyaltyInput(BaseModel):
    user_id: uuid.UUID
    booking_id: uuid.UUID
    amount_paid: int = 0
    refund_percent: int = 100  # restore_points, revoke_points: the share of the money refunded


class SpendPointsInput(BaseModel):
    """The saga's redeem_points step: points as a tender on a booking; `booking_id` is the idempotency key."""

    user_id: uuid.UUID
    booking_id: uuid.UUID
    points: int
    amount_due: int  # what is left to pay after the voucher


class PointsSpent(BaseModel):
    points: int
    amount: int  # the VND they pay


class LoyaltyEntry(ApiModel):
    id: uuid.UUID
    booking_id: uuid.UUID | None
    points: int
    type: str
    description: str
    created_at: datetime


class ExpiringPoints(ApiModel):
    points: int
    expires_on: date = Field(description="The local day the nightly review takes them (unless spent before)")


class LoyaltyPage(ApiModel):
    balance: int
    membership_tier: str
    tier: str = Field(description="The membership tier (the same as membershipTier)")
    net_spend_12m: int = Field(alias="netSpend12m",
                               description="VND paid minus VND refunded in the last 12 months: what the tier follows")
    next_tier: str | None = Field(description="The tier above yours; null at Platinum")
    to_next_tier: int = Field(description="VND of net spend still missing for the next tier (0 at Platinum)")
    expiring_soon: list[ExpiringPoints] = Field(description="Points expiring in the next 30 days, soonest first")
    items: list[LoyaltyEntry]
    total: int
    page: int
    page_size: int


class RedeemPointsRequest(ApiModel):
    model_config = ConfigDict(extra="forbid")

    points: int = Field(ge=10, le=100_000, description="Points to spend: each is worth 1,000 VND off a booking")


class PointsRedeemed(ApiModel):
    voucher: VoucherPublic = Field(description="Your personal voucher: one use, valid 180 days")
    points_spent: int
    balance: int = Field(description="Points left")
