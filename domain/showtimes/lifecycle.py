"""The scheduled lifecycle of showtimes and movies: pure rules and the workflows' inputs and outputs.

Statuses only move forward: Scheduled → Ongoing → Completed for a showtime (Cancelled ends it from
anywhere, by an admin, never by the lifecycle), Coming → Showing → Ended for a movie. A movie shows
from local midnight (Asia/Ho_Chi_Minh) of its release date and ends at local midnight after its end date.
Safe in workflows: no I/O, no clock.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel

from domain.movies.models import MovieStatus
from domain.shared.time import LOCAL_TZ
from domain.showtimes.models import ShowtimeStatus

_SHOWTIME_ORDER = {
    ShowtimeStatus.SCHEDULED: 0,
    ShowtimeStatus.ONGOING: 1,
    ShowtimeStatus.COMPLETED: 2,
    ShowtimeStatus.CANCELLED: 3,
}
_MOVIE_ORDER = {MovieStatus.COMING: 0, MovieStatus.SHOWING: 1, MovieStatus.ENDED: 2}


def local_midnight(day: date) -> datetime:
    """The first instant of a local day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day; Vietnam has no DST, but this holds either way."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def movie_show_at(release_date: date) -> datetime:
    return local_midnight(release_date)


def movie_end_at(end_date: date | None) -> datetime | None:
    """A movie still shows on its end date; it ends when that local day is over."""
    return None if end_date is None else local_midnight(end_date + timedelta(days=1))


def due_showtime_status(*, start_time: datetime, end_time: datetime, as_of: datetime) -> ShowtimeStatus:
    if as_of >= end_time:
        return ShowtimeStatus.COMPLETED
    return ShowtimeStatus.ONGOING if as_of >= start_time else ShowtimeStatus.SCHEDULED


def due_movie_status(*, show_at: datetime, end_at: datetime | None, as_of: datetime) -> MovieStatus:
    if end_at is not None and as_of >= end_at:
        return MovieStatus.ENDED
    return MovieStatus.SHOWING if as_of >= show_at else MovieStatus.COMING


def showtime_moves_forward(current: ShowtimeStatus, target: ShowtimeStatus) -> bool:
    """Whether the lifecycle may move a showtime from `current` to `target` (never out of Cancelled)."""
    return current is not ShowtimeStatus.CANCELLED and _SHOWTIME_ORDER[target] > _SHOWTIME_ORDER[current]


def movie_moves_forward(current: MovieStatus, target: MovieStatus) -> bool:
    return _MOVIE_ORDER[target] > _MOVIE_ORDER[current]


class ShowtimeTimes(BaseModel):
    """What ShowtimeLifecycleWorkflow waits for: the start and end of one showtime."""

    showtime_id: uuid.UUID
    start_time: datetime
    end_time: datetime


class ShowtimeState(BaseModel):
    """A showtime as the database has it after a lifecycle step."""

    showtime_id: uuid.UUID
    status: ShowtimeStatus
    start_time: datetime
    end_time: datetime
    found: bool = True

    @property
    def finished(self) -> bool:
        return not self.found or self.status in (ShowtimeStatus.COMPLETED, ShowtimeStatus.CANCELLED)


class AdvanceShowtime(BaseModel):
    showtime_id: uuid.UUID
    as_of: datetime  # the workflow's clock, so a retried step decides exactly as the first try did


class MovieDates(BaseModel):
    """What MovieLifecycleWorkflow waits for. `show_at`/`end_at` default to the local midnights of the
    dates; a test (or an operator) may give other instants."""

    movie_id: uuid.UUID
    release_date: date
    end_date: date | None = None
    show_at: datetime | None = None
    end_at: datetime | None = None

    def resolved_show_at(self) -> datetime:
        return self.show_at or movie_show_at(self.release_date)

    def resolved_end_at(self) -> datetime | None:
        return self.end_at or movie_end_at(self.end_date)


class AdvanceMovie(BaseModel):
    """Move a movie to `target` (forward only) if its dates are still those the timer was set from."""

    movie_id: uuid.UUID
    target: MovieStatus
    release_date: date
    end_date: date | None


class MovieState(BaseModel):
    movie_id: uuid.UUID
    status: MovieStatus
    release_date: date
    end_date: date | None
    found: bool = True

    @property
    def finished(self) -> bool:
        return not self.found or self.status is MovieStatus.ENDED


class SweepInput(BaseModel):
    as_of: datetime
    horizon: timedelta  # showtimes with a transition due within this get their own timer workflow


class SweepResult(BaseModel):
    showtimes_started: int = 0
    showtimes_completed: int = 0
    movies_showing: int = 0
    movies_ended: int = 0
    timers_armed: int = 0
