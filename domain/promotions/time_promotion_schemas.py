"""Request and response bodies of the time-promotion routes (camelCase JSON)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from domain.shared.schemas import ApiModel, PageParams

Weekday = Annotated[int, Field(ge=0, le=6)]
# A wall-clock time in Asia/Ho_Chi_Minh, with no offset (JSON Schema's format "time" would demand one).
LocalTime = Annotated[time, WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
                                            "examples": ["10:00"]})]
WEEKDAYS_DOC = "The showtime's local weekdays: 0 Monday .. 6 Sunday; null: every day"


def _sorted_set(values: list[int] | None) -> list[int] | None:
    return None if values is None else sorted(set(values))


def _local_time(value: time | None) -> time | None:
    if value is not None and value.tzinfo is not None:
        raise ValueError("a local time (Asia/Ho_Chi_Minh) without an offset, e.g. 10:00")
    return value


def check_conditions(*, valid_from: date | None, valid_until: date | None, starts_from: time | None,
                     starts_before: time | None) -> str | None:
    """What is wrong with a promotion's dates or start window (None: nothing); as the API names the fields."""
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        return "validFrom must be on or before validUntil"
    if starts_from is not None and starts_before is not None and starts_from >= starts_before:
        return "startsFrom must be before startsBefore"
    return None


class TimePromotionCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=3, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$",
                      description="Unique, case-insensitive; stored upper-case")
    name: str = Field(min_length=1, max_length=120, description="What customers see next to the price")
    description: str = Field(default="", max_length=300)
    percent_off: int = Field(ge=1, le=90, description="Taken off the seat price; the best promotion wins, none stack")
    valid_from: date | None = Field(default=None, description="First local purchase date, inclusive")
    valid_until: date | None = Field(default=None, description="Last local purchase date, inclusive")
    min_days_ahead: int | None = Field(default=None, ge=0, le=365,
                                       description="Early bird: bought at least this many days before the start")
    weekdays: list[Weekday] | None = Field(default=None, min_length=1, max_length=7, description=WEEKDAYS_DOC)
    starts_from: LocalTime | None = Field(default=None, description="Showtimes starting at or after (local time)")
    starts_before: LocalTime | None = Field(default=None, description="Showtimes starting before (local time)")
    is_active: bool = True

    _dedupe = field_validator("weekdays")(_sorted_set)
    _local = field_validator("starts_from", "starts_before")(_local_time)

    @field_validator("code")
    @classmethod
    def _upper(cls, code: str) -> str:
        return code.upper()

    @model_validator(mode="after")
    def _consistent(self) -> TimePromotionCreate:
        problem = check_conditions(valid_from=self.valid_from, valid_until=self.valid_until,
                                   starts_from=self.starts_from, starts_before=self.starts_before)
        if problem:
            raise ValueError(problem)
        return self


class TimePromotionUpdate(ApiModel):
    """Change or switch off (`isActive: false`) a time promotion: only the fields sent change; `null` lifts a
    condition. The code stays: it names the promotion on prices already shown."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=300)
    percent_off: int | None = Field(default=None, ge=1, le=90)
    valid_from: date | None = None
    valid_until: date | None = None
    min_days_ahead: int | None = Field(default=None, ge=0, le=365)
    weekdays: list[Weekday] | None = Field(default=None, min_length=1, max_length=7, description=WEEKDAYS_DOC)
    starts_from: LocalTime | None = None
    starts_before: LocalTime | None = None
    is_active: bool | None = None

    _dedupe = field_validator("weekdays")(_sorted_set)
    _local = field_validator("starts_from", "starts_before")(_local_time)


class TimePromotionPublic(ApiModel):
    id: uuid.UUID
    code: str
    name: str
    description: str
    percent_off: int
    valid_from: date | None
    valid_until: date | None
    min_days_ahead: int | None
    weekdays: list[int] | None = Field(description=WEEKDAYS_DOC)
    starts_from: LocalTime | None
    starts_before: LocalTime | None
    is_active: bool
    created_at: datetime
    updated_at: datetime | None


class TimePromotionState(StrEnum):
    ACTIVE = "Active"  # switched on, and its last purchase day has not passed
    INACTIVE = "Inactive"  # switched off, or ended
    ALL = "All"


class TimePromotionQuery(PageParams):
    status: TimePromotionState = Field(default=TimePromotionState.ACTIVE, description=(
        "Active (anyone): switched on and not ended; Inactive or All need an Admin token"))
