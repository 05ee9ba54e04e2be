"""Errors of the movies context."""

from __future__ import annotations

from domain.shared.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge


class MovieNotFound(NotFound):
    code = "MOVIE_NOT_FOUND"


class GenreNotFound(NotFound):
    code = "GENRE_NOT_FOUND"


class GenreExists(Conflict):
    code = "GENRE_EXISTS"


class UnknownGenres(InvalidInput):
    """Genre ids in a movie body that name no genre: the body is invalid, as a 422."""


class InvalidMovieDates(InvalidInput):
    pass


class MovieHasShowtimes(Conflict):
    code = "MOVIE_HAS_SHOWTIMES"


class ReviewExists(Conflict):
    code = "REVIEW_EXISTS"


class MovieNotReleased(Conflict):
    code = "MOVIE_NOT_RELEASED"


class PosterTooLarge(PayloadTooLarge):
    """An uploaded poster over the upload limit (same status and code as an oversized avatar)."""
