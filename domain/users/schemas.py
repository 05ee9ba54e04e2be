"""Request and response bodies of the users and admin routes (camelCase JSON, seed §2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, ConfigDict, Field, StringConstraints, field_validator

from domain.shared.phone import normalize_vn_phone
from domain.shared.roles import Role
from domain.shared.schemas import ApiModel, PageParams
from domain.shared.time import LOCAL_TZ
from domain.users.models import Gender, MembershipTier

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                        pattern=r"^[^\x00-\x1f\x7f]+$")]
GenreName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Language(StrEnum):
    VI = "vi"
    EN = "en"


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("May be left out, but not null.")
    return value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class ProfilePublic(ApiModel):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    phone: str | None
    avatar: str | None = Field(validation_alias=AliasChoices("avatar_url", "avatar"))
    date_of_birth: date | None
    gender: Gender | None
    loyalty_points: int
    membership_tier: MembershipTier
    created_at: datetime
    updated_at: datetime


class ProfileUpdate(ApiModel):
    """Fields left out stay as they are; email, points and tier cannot be changed here."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name | None = None
    last_name: Name | None = None
    phone: str | None = Field(default=None, max_length=25, examples=["0912345678"])
    date_of_birth: date | None = None
    gender: Gender | None = None

    _names_not_null = field_validator("first_name", "last_name", mode="before")(_not_null)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalize_vn_phone(value)

    @field_validator("date_of_birth")
    @classmethod
    def _born(cls, value: date | None) -> date | None:
        if value is not None and value > datetime.now(LOCAL_TZ).date():
            raise ValueError("The date of birth cannot be in the future.")
        if value is not None and value.year < 1900:
            raise ValueError("The date of birth must be in 1900 or later.")
        return value


class LoyaltyPublic(ApiModel):
    points: int
    membership_tier: MembershipTier


class PreferencesPublic(ApiModel):
    user_id: uuid.UUID
    favorite_genres: list[str]
    favorite_cinemas: list[uuid.UUID]
    email_notification: bool
    sms_notification: bool
    push_notification: bool
    language: Language


class PreferencesUpdate(ApiModel):
    """Fields left out stay as they are; lists replace the stored list (duplicates dropped)."""

    model_config = ConfigDict(extra="forbid")

    favorite_genres: list[GenreName] | None = Field(default=None, max_length=20)
    favorite_cinemas: list[uuid.UUID] | None = Field(default=None, max_length=50)
    email_notification: bool | None = None
    sms_notification: bool | None = None
    push_notification: bool | None = None
    language: Language | None = None

    _no_nulls = field_validator("*", mode="before")(_not_null)
    _dedupe = field_validator("favorite_genres", "favorite_cinemas")(_unique)


class BookingHistoryItem(ApiModel):
    """One booking in the user's history (composed by domain/bookings/history.py)."""

    booking_id: uuid.UUID
    status: str
    movie_title: str
    cinema_name: str
    starts_at: datetime
    seats: list[str]
    total_amount: int
    created_at: datetime


class AvatarPublic(ApiModel):
    avatar: str


class AdminUserQuery(PageParams):
    role: Role | None = None
    email: str | None = Field(default=None, max_length=320, description="Part of the email; blank: any")

    @field_validator("email")
    @classmethod
    def _blank_is_any(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class AdminUserPublic(ApiModel):
    id: uuid.UUID
    email: str
    role: Role
    email_verified: bool
    is_active: bool
    created_at: datetime
    first_name: str
    last_name: str


class RoleUpdate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
