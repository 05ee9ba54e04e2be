"""Tables of the bookings context (schema `bookings`). The booking row mirrors its saga's state."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "bookings"


class BookingStatus(StrEnum):
    PENDING = "Pending"  # created at checkout, waiting for the payment
    CONFIRMED = "Confirmed"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"  # the hold ran out before the payment
    COMPLETED = "Completed"  # the show is over


class PaymentStatus(StrEnum):
    PENDING = "Pending"
    PAID = "Paid"
    REFUNDED = "Refunded"
    FAILED = "Failed"


class Booking(SQLModel, table=True):
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)  # chosen by the API when the saga starts: workflow `booking-{id}`
    user_id: uuid.UUID = Field(index=True)
    showtime_id: uuid.UUID = Field(index=True)
    total_amount: int  # seats + F&B
    fnb_amount: int = 0  # the F&B part of total_amount
    discount: int = 0  # the voucher's
    points_amount: int = 0  # what loyalty points paid (final_amount is what money pays)
    final_amount: int
    status: BookingStatus = Field(default=BookingStatus.PENDING, sa_type=enum_column(BookingStatus))
    payment_status: PaymentStatus = Field(default=PaymentStatus.PENDING, sa_type=enum_column(PaymentStatus))
    payment_method: str | None = Field(default=None, sa_type=String(16))
    payment_id: uuid.UUID | None = None
    voucher_code: str | None = Field(default=None, sa_type=String(40))
    qr_code: str | None = Field(default=None, sa_type=String(200))
    expires_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    confirmed_at: datetime | None = utc_datetime_field()
    cancelled_at: datetime | None = utc_datetime_field()
    cancel_reason: str | None = Field(default=None, sa_type=String(300))
    checked_in_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class BookingSeat(SQLModel, table=True):
    __tablename__ = "booking_seat"
    __table_args__ = (UniqueConstraint("booking_id", "seat_id"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    booking_id: uuid.UUID = Field(index=True)
    seat_id: uuid.UUID
    row: str = Field(sa_type=String(4))
    number: int
    seat_type: str = Field(sa_type=String(16))
    price: int


class BookingFnB(SQLModel, table=True):
    """One F&B line pre-ordered with a booking: an item or a combo, its name and unit price at the time."""

    __tablename__ = "booking_fnb"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    booking_id: uuid.UUID = Field(index=True)
    item_id: uuid.UUID | None = None
    combo_id: uuid.UUID | None = None
    name: str = Field(default="", sa_type=String(200))
    quantity: int
    price: int  # unit price
