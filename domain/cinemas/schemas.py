"""Request and response bodies of the cinemas routes (camelCase JSON, seed §4)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, field_validator

from domain.cinemas.layout import LayoutSpec
from domain.cinemas.models import CinemaStatus, ScreenType, SeatStatus, SeatType, TheaterStatus
from domain.shared.phone import normalize_vn_phone
from domain.shared.schemas import ApiModel, PageParams

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Place = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Facility = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Finite, and rounded to 1e-7 degree (about 1 cm): a denormal float would reach PostgreSQL's trigonometry.
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False), AfterValidator(lambda v: round(v, 7))]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False), AfterValidator(lambda v: round(v, 7))]
SoundSystem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("May be left out, but not null.")
    return value


def _phone(value: str | None) -> str | None:
    return None if value is None else normalize_vn_phone(value)


def _unique(values: list[Any] | None) -> list[Any] | None:
    return None if values is None else list(dict.fromkeys(values))


class CinemaCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: Text
    address: Address
    city: Place = Field(examples=["Hồ Chí Minh", "Hà Nội"])
    district: Place
    latitude: Latitude
    longitude: Longitude
    phone: str | None = Field(default=None, max_length=25, examples=["028 3822 1234"])
    facilities: list[Facility] = Field(default_factory=list, max_length=20,
                                       examples=[["Parking", "Food court"]])
    status: CinemaStatus = CinemaStatus.ACTIVE

    _phone_e164 = field_validator("phone")(_phone)
    _dedupe = field_validator("facilities")(_unique)


class CinemaUpdate(ApiModel):
    """Fields left out stay as they are; `facilities` replaces the stored list."""

    model_config = ConfigDict(extra="forbid")

    name: Text | None = None
    address: Address | None = None
    city: Place | None = None
    district: Place | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    phone: str | None = Field(default=None, max_length=25)
    facilities: list[Facility] | None = Field(default=None, max_length=20)
    status: CinemaStatus | None = None

    _required_not_null = field_validator("name", "address", "city", "district", "latitude", "longitude",
                                         "facilities", "status", mode="before")(_not_null)
    _phone_e164 = field_validator("phone")(_phone)
    _dedupe = field_validator("facilities")(_unique)


class CinemaPublic(ApiModel):
    id: uuid.UUID
    name: str
    address: str
    city: str
    district: str
    latitude: float
    longitude: float
    phone: str | None
    facilities: list[str]
    status: CinemaStatus
    created_at: datetime
    updated_at: datetime


class CinemaNearby(CinemaPublic):
    distance_km: float = Field(description="Great-circle distance from the point asked, in km")


class CinemaQuery(PageParams):
    city: str | None = Field(default=None, max_length=100, description="Accents and case do not matter")
    status: CinemaStatus | None = None

    @field_validator("city")
    @classmethod
    def _blank_is_any(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class NearbyQuery(PageParams):
    lat: Latitude
    lng: Longitude
    radius_km: float = Field(default=10, ge=0.01, le=500, allow_inf_nan=False)


class TheaterCreate(ApiModel):
    """A new theater; send `layout` to make its seats at once (or PUT it later)."""

    model_config = ConfigDict(extra="forbid")

    name: Place
    screen_type: ScreenType = ScreenType.TWO_D
    sound_system: SoundSystem = Field(default="Dolby Digital", examples=["Dolby Atmos", "DTS:X"])
    status: TheaterStatus = TheaterStatus.ACTIVE
    layout: LayoutSpec | None = None


class TheaterUpdate(ApiModel):
    """Fields left out stay; the seats change through the layout route."""

    model_config = ConfigDict(extra="forbid")

    name: Place | None = None
    screen_type: ScreenType | None = None
    sound_system: SoundSystem | None = None
    status: TheaterStatus | None = None

    _no_nulls = field_validator("*", mode="before")(_not_null)


class TheaterPublic(ApiModel):
    id: uuid.UUID
    cinema_id: uuid.UUID
    name: str
    capacity: int = Field(description="Seat count, broken seats included")
    screen_type: ScreenType
    sound_system: str
    status: TheaterStatus
    layout: LayoutSpec | None
    created_at: datetime
    updated_at: datetime


class SeatPublic(ApiModel):
    id: uuid.UUID
    row: str
    number: int
    column: int = Field(description="Place across the room counting aisle gaps, from 1")
    type: SeatType
    status: SeatStatus
    pair_seat_id: uuid.UUID | None = Field(description="The other half of a couple seat")


class SeatMap(ApiModel):
    """Every seat of a theater, row by row from the screen, with the grid to draw them on."""

    theater_id: uuid.UUID
    cinema_id: uuid.UUID
    rows: int
    columns: int
    capacity: int
    seats: list[SeatPublic]


class SeatUpdate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    status: SeatStatus
