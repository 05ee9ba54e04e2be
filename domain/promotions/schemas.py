"""Request and response bodies of the promotions routes, and the saga's voucher contracts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from domain.promotions.rules import VoucherScope, VoucherStatus, VoucherType
from domain.shared.schemas import ApiModel, PageParams


class VoucherCreate(ApiModel):
    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(default="", max_length=300)
    type: VoucherType
    value: int = Field(gt=0, le=100_000_000)
    min_purchase: int = Field(default=0, ge=0)
    max_discount: int | None = Field(default=None, gt=0)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    usage_limit: int | None = Field(default=None, gt=0)
    applicable_for: VoucherScope = VoucherScope.ALL

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
        return self


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
    applicable_for: VoucherScope
    status: VoucherStatus


class VoucherQuery(PageParams):
    status: VoucherStatus | None = None


class ValidateVoucherRequest(ApiModel):
    code: str = Field(min_length=1, max_length=40)
    amount: int = Field(gt=0, le=1_000_000_000)


class VoucherQuote(ApiModel):
    code: str
    discount: int
    final_amount: int


class ReserveVoucherInput(BaseModel):
    """What the booking saga sends to reserve one use; `booking_id` is the idempotency key."""

    booking_id: uuid.UUID
    user_id: uuid.UUID
    code: str
    amount: int


class ReleaseVoucherInput(BaseModel):
    booking_id: uuid.UUID


class VoucherReserved(BaseModel):
    voucher_id: uuid.UUID
    code: str
    discount: int


class LoyaltyInput(BaseModel):
    user_id: uuid.UUID
    booking_id: uuid.UUID
    amount_paid: int = 0


class LoyaltyEntry(ApiModel):
    id: uuid.UUID
    booking_id: uuid.UUID | None
    points: int
    type: str
    description: str
    created_at: datetime


class LoyaltyPage(ApiModel):
    balance: int
    membership_tier: str
    items: list[LoyaltyEntry]
    total: int
    page: int
    page_size: int
