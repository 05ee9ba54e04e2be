"""Request and response bodies of the movies routes (camelCase JSON, seed §3)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.movies.models import AgeRating, MovieStatus
from domain.movies.rules import check_dates, slugify
from domain.shared.errors import InvalidInput
from domain.shared.schemas import ApiModel, PageParams

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Person = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
_TWO_LETTERS = r"^[A-Za-z]{2}$"  # checked before the case is changed
CountryCode = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=_TWO_LETTERS)]
LanguageCode = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=_TWO_LETTERS)]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64,
                                        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
Duration = Annotated[int, Field(ge=1, le=600, description="Running time in minutes")]
# The column is VARCHAR(500): checked on the URL as stored (normalized), not only as sent.
MEDIA_URL_MAX = 500
MediaUrl = Annotated[HttpUrl, UrlConstraints(max_length=MEDIA_URL_MAX),
                     AfterValidator(lambda url: _short_url(url))]
# Film dates from the first films to a far-but-computable future (date.max + 1 day overflows).
FilmDate = Annotated[date, Field(ge=date(1888, 1, 1), le=date(2199, 12, 31))]


def _short_url(url: HttpUrl) -> HttpUrl:
    if len(str(url)) > MEDIA_URL_MAX:
        raise ValueError(f"At most {MEDIA_URL_MAX} characters.")
    return url


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("May be left out, but not null.")
    return value


def _url(value: HttpUrl | None) -> str | None:
    return None if value is None else str(value)


class GenrePublic(ApiModel):
    id: uuid.UUID
    name: str
    slug: str


class GenreCreate(ApiModel):
    """A new genre; the slug is made from the name when left out (`Hành động` -> `hanh-dong`)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    slug: Slug | None = None

    @model_validator(mode="after")
    def _slug_from_name(self) -> Self:
        if self.slug is None:
            self.slug = slugify(self.name)
            if not self.slug:
                raise ValueError("The name has no letters or digits to make a slug from; send a slug.")
        return self


class MovieFields(ApiModel):
    """Fields an Admin sets on a movie (rating and review count follow the reviews)."""

    model_config = ConfigDict(extra="forbid")

    title: Title
    original_title: Title | None = None
    description: str = Field(default="", max_length=5000)
    duration: Duration
    release_date: FilmDate
    end_date: FilmDate | None = None
    country: CountryCode = Field(default="VN", examples=["VN", "US"], description="ISO 3166-1 alpha-2")
    language: LanguageCode = Field(examples=["vi", "en"], description="ISO 639-1 spoken language")
    director: str = Field(default="", max_length=255)
    cast: list[Person] = Field(default_factory=list, max_length=50)
    poster_url: MediaUrl | None = None
    trailer_url: MediaUrl | None = None
    age_rating: AgeRating
    genre_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)


class MovieCreate(MovieFields):
    status: MovieStatus | None = Field(default=None, description="Left out: from the dates and today's date")

    @field_validator("end_date")
    @classmethod
    def _ends_after_release(cls, value: date | None, info: ValidationInfo) -> date | None:
        release_date = info.data.get("release_date")
        if value is not None and release_date is not None:
            try:
                check_dates(release_date, value)
            except InvalidInput as e:
                raise ValueError(e.message) from e
        return value


class MovieUpdate(ApiModel):
    """Fields left out stay as they are; `genreIds` and `cast` replace the stored lists."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    original_title: Title | None = None
    description: str | None = Field(default=None, max_length=5000)
    duration: Duration | None = None
    release_date: FilmDate | None = None
    end_date: FilmDate | None = None
    country: CountryCode | None = None
    language: LanguageCode | None = None
    director: str | None = Field(default=None, max_length=255)
    cast: list[Person] | None = Field(default=None, max_length=50)
    poster_url: MediaUrl | None = None
    trailer_url: MediaUrl | None = None
    age_rating: AgeRating | None = None
    status: MovieStatus | None = None
    genre_ids: list[uuid.UUID] | None = Field(default=None, max_length=10)

    _required_not_null = field_validator(
        "title", "description", "duration", "release_date", "country", "language", "director", "cast",
        "age_rating", "status", "genre_ids", mode="before")(_not_null)


def movie_values(body: MovieFields | MovieUpdate, *, exclude_unset: bool) -> dict[str, Any]:
    """Column values from a movie body: URLs as text, genres left to the caller."""
    values = body.model_dump(exclude_unset=exclude_unset, exclude={"genre_ids"})
    for name in ("poster_url", "trailer_url"):
        if name in values:
            values[name] = _url(values[name])
    return values


class MoviePublic(ApiModel):
    id: uuid.UUID
    title: str
    original_title: str | None
    description: str
    duration: int
    release_date: date
    end_date: date | None
    country: str
    language: str
    director: str
    cast: list[str]
    poster_url: str | None
    trailer_url: str | None
    rating: float = Field(description="Average review stars, 0 without reviews")
    review_count: int
    age_rating: AgeRating
    status: MovieStatus
    genres: list[GenrePublic]
    created_at: datetime
    updated_at: datetime


class MovieSort(StrEnum):
    RELEASE_DATE = "releaseDate"
    RELEASE_DATE_DESC = "-releaseDate"
    TITLE = "title"
    TITLE_DESC = "-title"
    RATING = "rating"
    RATING_DESC = "-rating"


class MovieQuery(PageParams):
    q: str | None = Field(default=None, max_length=100,
                          description="Search titles and director; accents and small typos do not matter")
    status: MovieStatus | None = None
    genre: Slug | None = Field(default=None, description="A genre slug, e.g. `hanh-dong`")
    language: LanguageCode | None = None
    sort: MovieSort | None = Field(default=None, description="Default: best match with `q`, else "
                                   "`-releaseDate`. A leading `-` sorts descending.")

    @field_validator("q")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value or "").strip() or None


class ReviewCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    rating: int = Field(ge=1, le=5, description="Stars, 1 to 5")
    comment: str = Field(default="", max_length=2000)

    @field_validator("comment")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class ReviewPublic(ApiModel):
    id: uuid.UUID
    movie_id: uuid.UUID
    user_name: str = Field(description="The reviewer's first name and initial")
    rating: int
    comment: str
    created_at: datetime


class PosterPublic(ApiModel):
    poster_url: str
