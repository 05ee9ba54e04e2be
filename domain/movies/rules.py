"""Pure rules of the movies context: status from dates, search input, genre slugs, trending order."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import NamedTuple

from domain.movies.errors import InvalidMovieDates
from domain.movies.models import MovieStatus

_SPACES = re.compile(r"\s+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

# Trending: a Bayesian average pulls movies with few reviews towards a neutral prior, so one 5-star
# review does not outrank a hundred 4.6-star ones.
TRENDING_PRIOR_MEAN = 3.0
TRENDING_PRIOR_WEIGHT = 5


def check_dates(release_date: date, end_date: date | None) -> None:
    """Refuse a run that ends before it starts."""
    if end_date is not None and end_date < release_date:
        raise InvalidMovieDates("The end date cannot be before the release date.",
                                [{"field": "endDate", "message": "Must be on or after releaseDate."}])


def status_on(today: date, release_date: date, end_date: date | None) -> MovieStatus:
    """The status a movie has on `today` (local date): Coming before release, Ended after its end date."""
    if today < release_date:
        return MovieStatus.COMING
    if end_date is not None and today > end_date:
        return MovieStatus.ENDED
    return MovieStatus.SHOWING


def normalize_query(raw: str) -> str:
    """Search input as the database compares it: composed Unicode (so accents unaccent() knows), single
    spaces. Accents and case are removed in SQL, with the same function as the index."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", raw)).strip()


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def slugify(name: str) -> str:
    """`Hành động` -> `hanh-dong`: ASCII letters and digits joined by hyphens (đ becomes d)."""
    folded = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_only = folded.encode("ascii", "ignore").decode().lower()
    return _NOT_SLUG.sub("-", ascii_only).strip("-")


class TrendingKey(NamedTuple):
    """Sort key for trending, compared descending. Tickets sold come first once bookings exist."""

    tickets_sold: int
    score: float
    review_count: int
    release_date: date


def trending_score(rating: float, review_count: int) -> float:
    """Bayesian average of the stars: (m*C + rating*n) / (C + n)."""
    total = TRENDING_PRIOR_MEAN * TRENDING_PRIOR_WEIGHT + rating * review_count
    return total / (TRENDING_PRIOR_WEIGHT + review_count)


def trending_key(*, rating: float, review_count: int, release_date: date,
                 tickets_sold: int = 0) -> TrendingKey:
    score = round(trending_score(rating, review_count), 6)
    return TrendingKey(tickets_sold, score, review_count, release_date)
