"""Tables of the showtimes context (schema `showtimes`).

Movie, theater, cinema and seat ids point into other contexts' schemas: no cross-schema foreign keys
(BRIEF §4). A showtime's seats are copied from the cinemas context when it is created, so the seat map
and the booking's seat claim never leave this schema.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
    column,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "showtimes"


class ShowtimeStatus(StrEnum):
    SCHEDULED = "Scheduled"
    ONGOING = "Ongoing"
    COMPLETED = "Completed"
    CANCELLED = "Cancelled"


class SeatType(StrEnum):
    """The cinemas context's seat types, by value."""

    STANDARD = "Standard"
    VIP = "VIP"
    COUPLE = "Couple"


class SeatStatus(StrEnum):
    """A seat of one showtime. `Blocked` is never sold: a broken seat, or any unsold seat of a
    cancelled showtime. Only `Available` seats (and `Locked` ones whose hold has expired) can be claimed."""

    AVAILABLE = "Available"
    LOCKED = "Locked"
    BOOKED = "Booked"
    BLOCKED = "Blocked"


class Showtime(SQLModel, table=True):
    __tablename__ = "showtime"
    __table_args__ = (
        # Two live showtimes of one theater never overlap, even when two admins insert at once.
        # '[)' ranges: a showtime may start exactly when the previous one (cleaning gap included) ends.
        ExcludeConstraint(
            (column("theater_id"), "="),
            (text("tstzrange(start_time, end_time)"), "&&"),
            using="gist",
            where=text("status <> 'Cancelled'"),
            name="ex_showtime_theater_no_overlap",
        ),
        CheckConstraint("end_time > start_time", name="time_order"),
        CheckConstraint("base_price >= 0", name="base_price_not_negative"),
        Index("ix_showtimes_showtime_cinema_start", "cinema_id", "start_time"),
        Index("ix_showtimes_showtime_movie_start", "movie_id", "start_time"),
        Index("ix_showtimes_showtime_status_start", "status", "start_time"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    movie_id: uuid.UUID
    theater_id: uuid.UUID
    cinema_id: uuid.UUID  # the theater's cinema, copied so lists filter by cinema without a join
    start_time: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    end_time: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]  # start + film + cleaning
    base_price: int
    status: ShowtimeStatus = Field(default=ShowtimeStatus.SCHEDULED, sa_type=enum_column(ShowtimeStatus))
    cancel_reason: str | None = Field(default=None, sa_type=String(500))
    cancelled_at: datetime | None = utc_datetime_field()
    cancelled_by: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class SeatPricing(SQLModel, table=True):
    """A showtime's price for one seat type: a multiplier of the base price, or a fixed price."""

    __tablename__ = "seat_pricing"
    __table_args__ = (
        UniqueConstraint("showtime_id", "seat_type", name="uq_seat_pricing_showtime_seat_type"),
        CheckConstraint("(price IS NULL) <> (multiplier IS NULL)", name="price_or_multiplier"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    showtime_id: uuid.UUID = Field(sa_column_args=[ForeignKey(f"{SCHEMA}.showtime.id", ondelete="CASCADE")])
    seat_type: SeatType = Field(sa_type=enum_column(SeatType))
    price: int | None = None
    multiplier: Decimal | None = Field(default=None, sa_type=Numeric(6, 3))


class ShowtimeSeat(SQLModel, table=True):
    """One seat of one showtime: the row the booking saga claims with a single atomic UPDATE."""

    __tablename__ = "showtime_seat"
    __table_args__ = (
        UniqueConstraint("showtime_id", "seat_id", name="uq_showtime_seat_showtime_seat"),
        # The claim: UPDATE ... WHERE showtime_id = :id AND seat_id = ANY(:ids) AND status = 'Available'.
        Index("ix_showtimes_showtime_seat_showtime_status", "showtime_id", "status"),
        # The hold caps count a customer's live holds (domain/showtimes/hold_limits.py).
        Index("ix_showtimes_showtime_seat_locked_by", "locked_by", postgresql_where=text("status = 'Locked'")),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    showtime_id: uuid.UUID = Field(sa_column_args=[ForeignKey(f"{SCHEMA}.showtime.id", ondelete="CASCADE")])
    seat_id: uuid.UUID  # cinemas.seat.id
    row: str = Field(sa_type=String(4))
    number: int
    column: int  # place across the room counting aisle gaps, for drawing the map
    seat_type: SeatType = Field(sa_type=enum_column(SeatType))
    pair_seat_id: uuid.UUID | None = Field(default=None, sa_type=Uuid())  # the other half of a couple seat
    status: SeatStatus = Field(default=SeatStatus.AVAILABLE, sa_type=enum_column(SeatStatus))
    locked_until: datetime | None = utc_datetime_field()
    locked_by: uuid.UUID | None = None  # the user holding the seat
    booking_id: uuid.UUID | None = None
    updated_at: datetime = updated_at_field()
