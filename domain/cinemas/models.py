"""Tables of the cinemas context (schema `cinemas`): cinemas, their theaters, and each theater's seats."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ARRAY, CheckConstraint, SmallInteger, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "cinemas"


class CinemaStatus(StrEnum):
    ACTIVE = "Active"
    INACTIVE = "Inactive"


class ScreenType(StrEnum):
    TWO_D = "2D"
    THREE_D = "3D"
    IMAX = "IMAX"
    FOUR_DX = "4DX"


class TheaterStatus(StrEnum):
    ACTIVE = "Active"
    MAINTENANCE = "Maintenance"
    INACTIVE = "Inactive"


class SeatType(StrEnum):
    STANDARD = "Standard"
    VIP = "VIP"
    COUPLE = "Couple"


class SeatStatus(StrEnum):
    AVAILABLE = "Available"
    BROKEN = "Broken"


class Cinema(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True)
    address: str = Field(sa_type=String(500))
    city: str = Field(sa_type=String(100), index=True)
    district: str = Field(default="", sa_type=String(100))
    latitude: float
    longitude: float
    phone: str | None = Field(default=None, sa_type=String(20))
    facilities: list[str] = Field(default_factory=list, sa_type=ARRAY(String(64)))
    status: CinemaStatus = Field(default=CinemaStatus.ACTIVE, sa_type=enum_column(CinemaStatus))
    deleted_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Theater(SQLModel, table=True):
    """A screening room. `capacity` is its seat count, kept by the layout; `layout` is the description the
    seats were made from (None until one is set)."""

    __table_args__ = (UniqueConstraint("cinema_id", "name"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    cinema_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.cinema.id", ondelete="CASCADE")
    name: str = Field(sa_type=String(100))
    capacity: int = 0
    screen_type: ScreenType = Field(default=ScreenType.TWO_D, sa_type=enum_column(ScreenType, length=8))
    sound_system: str = Field(default="Dolby Digital", sa_type=String(64))
    status: TheaterStatus = Field(default=TheaterStatus.ACTIVE, sa_type=enum_column(TheaterStatus))
    layout: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Seat(SQLModel, table=True):
    """One seat: `row` label ('A'…) and `number` as printed on it; `column` is its place across the room
    counting aisle gaps, for drawing. The two halves of a couple seat name each other in `pair_seat_id`."""

    __table_args__ = (
        UniqueConstraint("theater_id", "row", "number"),
        CheckConstraint("number > 0", name="number_positive"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    theater_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.theater.id", ondelete="CASCADE")
    row: str = Field(sa_type=String(2))
    number: int = Field(sa_type=SmallInteger)
    column: int = Field(sa_type=SmallInteger)
    type: SeatType = Field(default=SeatType.STANDARD, sa_type=enum_column(SeatType))
    status: SeatStatus = Field(default=SeatStatus.AVAILABLE, sa_type=enum_column(SeatStatus))
    pair_seat_id: uuid.UUID | None = Field(default=None, foreign_key=f"{SCHEMA}.seat.id", ondelete="SET NULL")
