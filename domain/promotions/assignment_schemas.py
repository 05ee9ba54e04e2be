"""Request and response bodies of the voucher-assignment routes (vouchers given to users, and your wallet)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from domain.promotions.rules import VoucherScope, VoucherType
from domain.shared.schemas import ApiModel, PageParams
from domain.users.models import MembershipTier

MAX_USER_IDS = 1000


class AssignmentSource(StrEnum):
    ADMIN = "Admin"
    LOYALTY = "Loyalty"
    COMPENSATION = "Compensation"


class WalletState(StrEnum):
    USABLE = "Usable"
    USED = "Used"  # the user's per-user limit, or the voucher's total limit, is reached by live uses
    EXPIRED = "Expired"
    INACTIVE = "Inactive"


class WalletFilter(StrEnum):
    USABLE = "usable"
    USED = "used"
    ALL = "all"


class TierSegment(ApiModel):
    """Every active customer of this membership tier."""

    model_config = ConfigDict(extra="forbid")
    tier: MembershipTier


class AllCustomersSegment(ApiModel):
    """Every active customer (role Customer)."""

    model_config = ConfigDict(extra="forbid")
    all_customers: Literal[True]


class AssignVoucherRequest(ApiModel):
    """Exactly one of `userIds` (1..1000 distinct accounts) or `segment`."""

    model_config = ConfigDict(extra="forbid")
    user_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=MAX_USER_IDS,
                                             json_schema_extra={"uniqueItems": True})
    segment: TierSegment | AllCustomersSegment | None = None

    @field_validator("user_ids")
    @classmethod
    def _distinct(cls, user_ids: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
        if user_ids is not None and len(set(user_ids)) != len(user_ids):
            raise ValueError("userIds must not repeat an id")
        return user_ids

    @model_validator(mode="after")
    def _exactly_one(self) -> AssignVoucherRequest:
        if (self.user_ids is None) == (self.segment is None):
            raise ValueError("send exactly one of userIds or segment")
        return self


class AssignResult(ApiModel):
    voucher_id: uuid.UUID
    assigned: int  # rows created by this request
    already_had: int  # targeted users who had been given the voucher before


class WalletQuery(PageParams):
    state: WalletFilter = WalletFilter.ALL


class WalletVoucher(ApiModel):
    """One voucher in the signed-in user's wallet. `source` and `assignedAt` are null for a public
    voucher that shows here only because the user has used it."""

    voucher_id: uuid.UUID
    code: str
    description: str
    type: VoucherType
    value: int
    max_discount: int | None
    min_purchase: int
    starts_at: datetime
    ends_at: datetime
    applicable_for: VoucherScope
    state: WalletState
    uses_left: int | None  # per-user limit minus live uses (capped by what the voucher has left); null: unlimited
    source: AssignmentSource | None
    assigned_at: datetime | None
