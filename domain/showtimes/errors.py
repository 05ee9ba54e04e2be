"""Errors of the showtimes context: each carries its HTTP status and a stable code."""

from __future__ import annotations

from domain.shared.errors import Conflict, Forbidden, InvalidInput, NotFound


class ShowtimeNotFound(NotFound):
    code = "SHOWTIME_NOT_FOUND"


class ShowtimeOverlap(Conflict):
    """Another live showtime of the theater overlaps this one; `details.clashingShowtime` names it."""

    code = "SHOWTIME_OVERLAP"


class TheaterNotActive(Conflict):
    code = "THEATER_NOT_ACTIVE"


class TheaterHasNoSeats(Conflict):
    code = "THEATER_HAS_NO_SEATS"


class MovieEnded(Conflict):
    code = "MOVIE_ENDED"


class ShowtimeStarted(Conflict):
    """The showtime has started, finished or been cancelled: it can no longer be changed."""

    code = "SHOWTIME_NOT_EDITABLE"


class ShowtimeHasSales(Conflict):
    """Seats are sold or held: the showtime cannot be moved."""

    code = "SHOWTIME_HAS_SALES"


class CancelNeedsAdmin(Forbidden):
    """Cancelling a showtime nobody has bought is a scheduling change, which is for Admins."""

    code = "FORBIDDEN"


class InvalidSchedule(InvalidInput):
    """A time that the payload's shape allows but the schedule does not (in the past, after the run)."""

    code = "INVALID_SCHEDULE"


class CancelReasonRequired(InvalidInput):
    code = "CANCEL_REASON_REQUIRED"
