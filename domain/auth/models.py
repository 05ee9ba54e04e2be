"""Tables of the auth context (schema `auth`): credentials, refresh-token families, one-time tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field
from domain.shared.roles import Role

SCHEMA = "auth"


class Account(SQLModel, table=True):
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_type=String(320), unique=True, index=True)  # stored lower-cased
    password_hash: str | None = Field(default=None, sa_type=String(200))  # None: social login only
    role: Role = Field(default=Role.CUSTOMER, sa_type=enum_column(Role))
    email_verified_at: datetime | None = utc_datetime_field()
    is_active: bool = True
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RefreshToken(SQLModel, table=True):
    """One issued refresh token. Tokens rotated from one login share a family; reuse revokes the family."""

    __tablename__ = "refresh_token"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    family_id: uuid.UUID = Field(index=True)
    account_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(sa_type=String(64), unique=True)
    expires_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    used_at: datetime | None = utc_datetime_field()
    revoked_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()


class OneTimeToken(SQLModel, table=True):
    """A mailed single-use token (email verification or password reset); only its hash is stored."""

    __tablename__ = "one_time_token"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    account_id: uuid.UUID = Field(index=True)
    purpose: str = Field(sa_type=String(32))
    token_hash: str = Field(sa_type=String(64), unique=True)
    expires_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    used_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()


class OAuthIdentity(SQLModel, table=True):
    """An account's identity at a social provider (Google, Facebook)."""

    __tablename__ = "oauth_identity"
    __table_args__ = (UniqueConstraint("provider", "subject"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    provider: str = Field(sa_type=String(32))
    subject: str = Field(sa_type=String(255))
    account_id: uuid.UUID = Field(index=True)
    created_at: datetime = created_at_field()
