"""Errors of the cinemas context."""

from __future__ import annotations

from domain.shared.errors import Conflict, InvalidInput, NotFound


class CinemaNotFound(NotFound):
    code = "CINEMA_NOT_FOUND"


class TheaterNotFound(NotFound):
    code = "THEATER_NOT_FOUND"


class SeatNotFound(NotFound):
    code = "SEAT_NOT_FOUND"


class CinemaExists(Conflict):
    code = "CINEMA_EXISTS"


class TheaterExists(Conflict):
    code = "THEATER_EXISTS"


class HasFutureShowtimes(Conflict):
    """The change would pull seats or rooms out from under showtimes that are still to come."""

    code = "HAS_FUTURE_SHOWTIMES"


class InvalidLayout(InvalidInput):
    pass
