"""Tables of the promotions context (schema `promotions`): vouchers and their per-booking reservations."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from domain.promotions.rules import VoucherScope, VoucherStatus, VoucherTerms, VoucherType
from domain.shared.models import created_at_field, enum_column, utc_datetime_field

SCHEMA = "promotions"


class Voucher(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name="within_limit"),
        CheckConstraint("used_count >= 0", name="used_not_negative"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_type=String(40), unique=True, index=True)  # stored upper-case
    description: str = Field(default="", sa_type=String(300))
    type: VoucherType = Field(sa_type=enum_column(VoucherType))
    value: int
    min_purchase: int = 0
    max_discount: int | None = None
    starts_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    ends_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    usage_limit: int | None = None
    used_count: int = 0
    applicable_for: VoucherScope = Field(default=VoucherScope.ALL, sa_type=enum_column(VoucherScope))
    status: VoucherStatus = Field(default=VoucherStatus.ACTIVE, sa_type=enum_column(VoucherStatus))
    created_at: datetime = created_at_field()

    def terms(self) -> VoucherTerms:
        return VoucherTerms(code=self.code, type=self.type, value=self.value, min_purchase=self.min_purchase,
                            max_discount=self.max_discount, starts_at=self.starts_at, ends_at=self.ends_at,
                            status=self.status)


class ReservationStatus(StrEnum):
    RESERVED = "Reserved"
    USED = "Used"
    RELEASED = "Released"


class VoucherReservation(SQLModel, table=True):
    """The seed's UserVoucher: one use of a voucher, held for a booking until it is used or released."""

    __tablename__ = "voucher_reservation"
    __table_args__ = (
        # One live use per user and voucher; released uses do not count.
        Index("uq_voucher_reservation_live_user", "voucher_id", "user_id", unique=True,
              postgresql_where=text("status <> 'Released'")),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    voucher_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(index=True)
    booking_id: uuid.UUID = Field(unique=True)  # the idempotency key of reserve/release
    discount: int
    status: ReservationStatus = Field(default=ReservationStatus.RESERVED, sa_type=enum_column(ReservationStatus))
    created_at: datetime = created_at_field()
    used_at: datetime | None = utc_datetime_field()
    released_at: datetime | None = utc_datetime_field()


class LoyaltyType(StrEnum):
    EARN = "Earn"
    REVOKE = "Revoke"
    REDEEM = "Redeem"


class LoyaltyTransaction(SQLModel, table=True):
    __tablename__ = "loyalty_transaction"
    # One Earn and one Revoke per booking: the ledger is idempotent on (booking, type).
    __table_args__ = (UniqueConstraint("booking_id", "type"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(index=True)
    booking_id: uuid.UUID | None = None
    points: int  # signed: + earned, - revoked or redeemed
    type: LoyaltyType = Field(sa_type=enum_column(LoyaltyType))
    description: str = ""
    created_at: datetime = created_at_field()
