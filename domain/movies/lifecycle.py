"""The scheduled lifecycle of movies: pure rules and MovieLifecycleWorkflow's inputs and outputs.

Statuses only move forward: Coming → Showing → Ended. A movie shows from local midnight
(Asia/Ho_Chi_Minh) of its release date and ends at local midnight after its end date.
Safe in workflows: no I/O, no clock.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from domain.movies.models import MovieStatus
from domain.shared.time import local_midnight

_MOVIE_ORDER = {MovieStatus.COMING: 0, MovieStatus.SHOWING: 1, MovieStatus.ENDED: 2}


def movie_show_at(release_date: date) -> datetime:
    return local_midnight(release_date)


def movie_end_at(end_date: date | None) -> datetime | None:
    """A movie still shows on its end date; it ends when that local day is over."""
    return None if end_date is None else local_midnight(end_date + timedelta(days=1))


def due_movie_status(*, show_at: datetime, end_at: datetime | None, as_of: datetime) -> MovieStatus:
    if end_at is not None and as_of >= end_at:
        return MovieStatus.ENDED
    return MovieStatus.SHOWING if as_of >= show_at else MovieStatus.COMING


def movie_moves_forward(current: MovieStatus, target: MovieStatus) -> bool:
    return _MOVIE_ORDER[target] > _MOVIE_ORDER[current]


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
