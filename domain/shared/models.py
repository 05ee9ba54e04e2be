"""Column helpers shared by every context's tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

# Stable constraint names, so Alembic migrations can name what they drop.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata


def created_at_field() -> datetime:
    return Field(default=None, sa_type=DateTime(timezone=True), sa_column_kwargs={"server_default": func.now()},
                 nullable=False)


def updated_at_field() -> datetime:
    return Field(default=None, sa_type=DateTime(timezone=True),
                 sa_column_kwargs={"server_default": func.now(), "onupdate": func.now()}, nullable=False)


def utc_datetime_field(*, nullable: bool = True, index: bool = False) -> datetime | None:
    return Field(default=None, sa_type=DateTime(timezone=True), nullable=nullable, index=index)


def enum_column(enum: type[StrEnum], length: int = 16) -> SAEnum:
    """A VARCHAR column that stores a StrEnum's values and loads them back as the enum."""
    return SAEnum(enum, native_enum=False, create_constraint=False, length=length,
                  values_callable=lambda members: [m.value for m in members])
