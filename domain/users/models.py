"""Tables of the users context (schema `users`): profiles and preferences (seed §2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ARRAY, String, Uuid
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field

SCHEMA = "users"


class Gender(StrEnum):
    MALE = "Male"
    FEMALE = "Female"
    OTHER = "Other"


class MembershipTier(StrEnum):
    BRONZE = "Bronze"
    SILVER = "Silver"
    GOLD = "Gold"
    PLATINUM = "Platinum"


class UserProfile(SQLModel, table=True):
    """A user's profile; its id is the auth account's id (no cross-schema foreign key)."""

    __tablename__ = "user_profile"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(primary_key=True)
    email: str = Field(sa_type=String(320), index=True)
    first_name: str = Field(default="", sa_type=String(100))
    last_name: str = Field(default="", sa_type=String(100))
    phone: str | None = Field(default=None, sa_type=String(20))
    avatar_url: str | None = Field(default=None, sa_type=String(500))
    date_of_birth: date | None = None
    gender: Gender | None = Field(default=None, sa_type=enum_column(Gender))
    loyalty_points: int = 0
    membership_tier: MembershipTier = Field(default=MembershipTier.BRONZE, sa_type=enum_column(MembershipTier))
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class UserPreference(SQLModel, table=True):
    __tablename__ = "user_preference"
    __table_args__ = {"schema": SCHEMA}

    user_id: uuid.UUID = Field(primary_key=True)
    favorite_genres: list[str] = Field(default_factory=list, sa_type=ARRAY(String(64)))
    favorite_cinemas: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid()))
    email_notification: bool = True
    sms_notification: bool = False
    push_notification: bool = True
    language: str = Field(default="vi", sa_type=String(8))
    updated_at: datetime = updated_at_field()
