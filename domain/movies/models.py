"""Tables of the movies context (schema `movies`): movies, genres, reviews (seed §3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    ARRAY,
    CheckConstraint,
    ColumnElement,
    Float,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "movies"


class MovieStatus(StrEnum):
    COMING = "Coming"
    SHOWING = "Showing"
    ENDED = "Ended"


class AgeRating(StrEnum):
    """Vietnamese film classification (Circular 05/2023): P all ages, K under 13 with a parent, T13/T16/T18
    from that age, C banned from release."""

    P = "P"
    K = "K"
    T13 = "T13"
    T16 = "T16"
    T18 = "T18"
    C = "C"


class Movie(SQLModel, table=True):
    """A film in the catalog. `rating` is the average of its reviews (0 without any), kept with the count."""

    __table_args__ = (
        CheckConstraint("duration > 0", name="duration_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= release_date", name="ends_after_release"),
        CheckConstraint("rating >= 0 AND rating <= 5", name="rating_range"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    title: str = Field(sa_type=String(255))
    original_title: str | None = Field(default=None, sa_type=String(255))
    description: str = Field(default="", sa_type=Text)
    duration: int  # minutes
    release_date: date = Field(index=True)
    end_date: date | None = None
    country: str = Field(default="", sa_type=String(2))  # ISO 3166-1 alpha-2, e.g. VN
    language: str = Field(sa_type=String(2), index=True)  # ISO 639-1, e.g. vi
    director: str = Field(default="", sa_type=String(255))
    cast: list[str] = Field(default_factory=list, sa_type=ARRAY(String(255)))
    poster_url: str | None = Field(default=None, sa_type=String(500))
    trailer_url: str | None = Field(default=None, sa_type=String(500))
    rating: float = Field(default=0.0, sa_type=Float)
    review_count: int = 0
    age_rating: AgeRating = Field(sa_type=enum_column(AgeRating, length=4))
    status: MovieStatus = Field(default=MovieStatus.COMING, sa_type=enum_column(MovieStatus), index=True)
    deleted_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Genre(SQLModel, table=True):
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(64), unique=True)
    slug: str = Field(sa_type=String(64), unique=True)


class MovieGenre(SQLModel, table=True):
    __tablename__ = "movie_genre"
    __table_args__ = {"schema": SCHEMA}

    movie_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.movie.id", ondelete="CASCADE", primary_key=True)
    genre_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.genre.id", ondelete="CASCADE", primary_key=True,
                                index=True)


class Review(SQLModel, table=True):
    """One user's stars and words on one movie; `user_id` is the auth account id (no cross-schema key)."""

    __table_args__ = (
        UniqueConstraint("movie_id", "user_id"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    movie_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.movie.id", ondelete="CASCADE")
    user_id: uuid.UUID = Field(index=True)
    rating: int = Field(sa_type=SmallInteger)
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = created_at_field()



def search_document() -> ColumnElement[str]:
    """What search matches against: titles and director, accent-free and lower case (SQL function from
    migration 0002, IMMUTABLE so the trigram index below can be built on it)."""
    columns = Movie.__table__.c  # type: ignore[attr-defined]
    return func.movies.search_text(columns.title, columns.original_title, columns.director)


Index("ix_movies_movie_search", search_document().label("document"), postgresql_using="gin",
      postgresql_ops={"document": "gin_trgm_ops"})
