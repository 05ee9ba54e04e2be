"""Tables of the promotions context (schema `promotions`): vouchers and their per-booking reservations."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import ARRAY, CheckConstraint, Index, Integer, String, Time, UniqueConstraint, Uuid, text
from sqlmodel import Field, SQLModel

from domain.promotions.rules import VoucherLimits, VoucherScope, VoucherStatus, VoucherTerms, VoucherType
from domain.shared.models import created_at_field, enum_column, utc_datetime_field

SCHEMA = "promotions"


class Voucher(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name="within_limit"),
        CheckConstraint("used_count >= 0", name="used_not_negative"),
        CheckConstraint("per_user_limit IS NULL OR per_user_limit > 0", name="per_user_limit_positive"),
        CheckConstraint("type <> 'FreeItem' OR (free_item_id IS NULL) <> (free_combo_id IS NULL)",
                        name="free_item_named"),
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
    # Uses per customer; None: as many as the usage limit allows. No Python default: the ORM would take an
    # explicit None for "use the default". The API's default is 1 (VoucherCreate); the migration gave 1 to
    # vouchers made before, which allowed one live use per customer.
    per_user_limit: int | None = None
    applicable_for: VoucherScope = Field(default=VoucherScope.ALL, sa_type=enum_column(VoucherScope))
    status: VoucherStatus = Field(default=VoucherStatus.ACTIVE, sa_type=enum_column(VoucherStatus))
    # Scope: empty lists and None mean "any". Days are ISO weekdays (1 Monday .. 7 Sunday); the time band
    # is the showtime's local start, from inclusive, to exclusive.
    movie_ids: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid))
    cinema_ids: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid))
    seat_types: list[str] = Field(default_factory=list, sa_type=ARRAY(String(16)))
    days_of_week: list[int] = Field(default_factory=list, sa_type=ARRAY(Integer))
    time_from: time | None = Field(default=None, sa_type=Time)
    time_to: time | None = Field(default=None, sa_type=Time)
    first_booking_only: bool = False
    # FreeItem: the F&B item or combo added at 0 VND, `value` of them (an F&B id, reached through its service)
    free_item_id: uuid.UUID | None = None
    free_combo_id: uuid.UUID | None = None
    personal: bool = False  # only the users it was given to (voucher_assignment) may use it
    created_at: datetime = created_at_field()
    updated_at: datetime | None = utc_datetime_field()

    def terms(self) -> VoucherTerms:
        return VoucherTerms(code=self.code, type=self.type, value=self.value, min_purchase=self.min_purchase,
                            max_discount=self.max_discount, starts_at=self.starts_at, ends_at=self.ends_at,
                            status=self.status, applicable_for=self.applicable_for,
                            limits=VoucherLimits(movie_ids=frozenset(self.movie_ids),
                                                 cinema_ids=frozenset(self.cinema_ids),
                                                 seat_types=frozenset(self.seat_types),
                                                 days_of_week=frozenset(self.days_of_week), time_from=self.time_from,
                                                 time_to=self.time_to, first_booking_only=self.first_booking_only))


class ReservationStatus(StrEnum):
    RESERVED = "Reserved"
    USED = "Used"
    RELEASED = "Released"


class VoucherReservation(SQLModel, table=True):
    """The seed's UserVoucher: one use of a voucher, held for a booking until it is used or released."""

    __tablename__ = "voucher_reservation"
    # A user's live uses of a voucher are counted against its per-user limit under the voucher's row lock.
    __table_args__ = ({"schema": SCHEMA},)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    voucher_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(index=True)
    booking_id: uuid.UUID = Field(unique=True)  # the idempotency key of reserve/release
    discount: int
    status: ReservationStatus = Field(default=ReservationStatus.RESERVED, sa_type=enum_column(ReservationStatus))
    created_at: datetime = created_at_field()
    used_at: datetime | None = utc_datetime_field()
    released_at: datetime | None = utc_datetime_field()


class VoucherAssignment(SQLModel, table=True):
    """A voucher given to a user (the seed's UserVoucher): by an Admin, a loyalty reward or a compensation.
    A personal voucher works only for the users it was given to."""

    __tablename__ = "voucher_assignment"
    __table_args__ = (UniqueConstraint("voucher_id", "user_id"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    voucher_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.voucher.id", index=True)
    user_id: uuid.UUID = Field(index=True)
    source: str = Field(default="Admin", sa_type=String(16))  # Admin, Loyalty, Compensation
    assigned_by: uuid.UUID | None = None
    created_at: datetime = created_at_field()


class LoyaltyType(StrEnum):
    EARN = "Earn"
    REVOKE = "Revoke"
    REDEEM = "Redeem"  # spent: for a voucher (no booking) or as a tender at checkout (its booking)
    RESTORE = "Restore"  # points spent on a booking given back (it failed, or was cancelled)
    EXPIRE = "Expire"  # unspent points past their life, taken by the nightly review (no booking)


class LoyaltyTransaction(SQLModel, table=True):
    __tablename__ = "loyalty_transaction"
    # One Earn, Redeem and Restore per booking: the ledger is idempotent on (booking, type). Revoke rows may be
    # several (one per refund that takes a further share back); loyalty.revoke keeps their sum right.
    __table_args__ = (Index("uq_loyalty_transaction_booking_type", "booking_id", "type", unique=True,
                            postgresql_where=text("type <> 'Revoke'")), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(index=True)
    booking_id: uuid.UUID | None = None
    points: int  # signed: + earned, - revoked or redeemed
    type: LoyaltyType = Field(sa_type=enum_column(LoyaltyType))
    description: str = ""
    created_at: datetime = created_at_field()


class FlashSale(SQLModel, table=True):
    """A flash sale: a window, what it covers, its price, a quota of tickets and a per-user limit."""

    __tablename__ = "flash_sale"
    __table_args__ = (
        CheckConstraint("(flash_price IS NULL) <> (discount_percent IS NULL)", name="one_price"),
        CheckConstraint("quota > 0 AND per_user_limit > 0", name="positive_limits"),
        CheckConstraint("starts_at < ends_at", name="window"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(120))
    starts_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    ends_at: datetime = utc_datetime_field(nullable=False, index=True)  # type: ignore[assignment]
    showtime_ids: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid))
    movie_id: uuid.UUID | None = None
    seat_types: list[str] = Field(default_factory=list, sa_type=ARRAY(String(16)))
    flash_price: int | None = None
    discount_percent: int | None = None
    quota: int
    per_user_limit: int
    is_active: bool = True
    created_by: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime | None = utc_datetime_field()


class FlashClaimStatus(StrEnum):
    HELD = "Held"  # counts against the quota until the hold's `held_until`
    SOLD = "Sold"
    RELEASED = "Released"


class FlashSaleClaim(SQLModel, table=True):
    """The flash tickets of one booking's hold. Live (counted against the quota and the per-user limit): Sold,
    or Held with `held_until` still ahead. Written and counted under the sale's row lock."""

    __tablename__ = "flash_sale_claim"
    __table_args__ = (CheckConstraint("tickets > 0", name="tickets_positive"), {"schema": SCHEMA})

    booking_id: uuid.UUID = Field(primary_key=True)  # one claim per booking: the key of release and sell
    flash_sale_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.flash_sale.id", index=True)
    user_id: uuid.UUID
    tickets: int
    saved: int  # VND off the regular prices
    status: FlashClaimStatus = Field(default=FlashClaimStatus.HELD, sa_type=enum_column(FlashClaimStatus))
    held_until: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    created_at: datetime = created_at_field()
    sold_at: datetime | None = utc_datetime_field()
    released_at: datetime | None = utc_datetime_field()


class TimePromotion(SQLModel, table=True):
    """A time promotion ("Khuyến mãi theo thời gian"): a percentage off the seat prices of the showtimes its
    conditions take in (domain/shared/time_promotions.py). Unset conditions always hold."""

    __tablename__ = "time_promotion"
    __table_args__ = (
        CheckConstraint("percent_off BETWEEN 1 AND 90", name="percent_off_range"),
        CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until", name="valid_dates"),
        CheckConstraint("starts_from IS NULL OR starts_before IS NULL OR starts_from < starts_before",
                        name="start_window"),
        CheckConstraint("min_days_ahead IS NULL OR min_days_ahead >= 0", name="days_ahead_not_negative"),
        CheckConstraint("weekdays IS NULL OR weekdays <@ ARRAY[0, 1, 2, 3, 4, 5, 6]", name="weekdays_range"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(sa_type=String(40), unique=True, index=True)  # stored upper-case
    name: str = Field(sa_type=String(120))
    description: str = Field(default="", sa_type=String(300))
    percent_off: int
    valid_from: date | None = None  # local purchase date, inclusive
    valid_until: date | None = None  # local purchase date, inclusive
    min_days_ahead: int | None = None  # early bird: bought at least this many days before the start
    weekdays: list[int] | None = Field(default=None, sa_type=ARRAY(Integer))  # the showtime's, 0 = Monday
    starts_from: time | None = Field(default=None, sa_type=Time)  # the showtime's local start, inclusive
    starts_before: time | None = Field(default=None, sa_type=Time)  # exclusive
    is_active: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime | None = utc_datetime_field()


class SpendKind(StrEnum):
    PAID = "Paid"  # a confirmed booking: what was paid for it
    REFUNDED = "Refunded"  # a paid booking cancelled: what was given back (a negative amount)


class LoyaltySpend(SQLModel, table=True):
    """The money behind the tiers, fed by booking events (workers/subscribers/loyalty.py): the rolling 12-month
    net spend is the sum of a member's rows in the window. One row per booking and kind (replays add nothing)."""

    __tablename__ = "loyalty_spend"
    __table_args__ = (UniqueConstraint("booking_id", "kind"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(index=True)
    booking_id: uuid.UUID
    kind: SpendKind = Field(sa_type=enum_column(SpendKind))
    amount: int  # signed VND: + paid, - refunded
    at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]


class LoyaltyReview(SQLModel, table=True):
    """One member's nightly review of one local day: the idempotency key of the schedule (a day reviewed
    again is skipped) and the record of what it decided."""

    __tablename__ = "loyalty_review"
    __table_args__ = ({"schema": SCHEMA},)

    user_id: uuid.UUID = Field(primary_key=True)
    day: date = Field(primary_key=True)
    net_spend: int
    tier_from: str = Field(sa_type=String(16))
    tier_to: str = Field(sa_type=String(16))
    expired_points: int = 0
    created_at: datetime = created_at_field()
