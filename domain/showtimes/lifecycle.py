"""The scheduled lifecycle of showtimes: pure rules and the workflows' inputs and outputs (the movies'
is domain/movies/lifecycle.py; the sweep that fixes both is described here).

Statuses only move forward: Scheduled → Ongoing → Completed (Cancelled ends it from anywhere, by an
admin, never by the lifecycle). Safe in workflows: no I/O, no clock.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from domain.shared.time import local_midnight
from domain.showtimes.models import ShowtimeStatus

_SHOWTIME_ORDER = {
    ShowtimeStatus.SCHEDULED: 0,
    ShowtimeStatus.ONGOING: 1,
    ShowtimeStatus.COMPLETED: 2,
    ShowtimeStatus.CANCELLED: 3,
}


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a local day; Vietnam has no DST, but this holds either way."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def due_showtime_status(*, start_time: datetime, end_time: datetime, as_of: datetime) -> ShowtimeStatus:
    if as_of >= end_time:
        return ShowtimeStatus.COMPLETED
    return ShowtimeStatus.ONGOING if as_of >= start_time else ShowtimeStatus.SCHEDULED


def showtime_moves_forward(current: ShowtimeStatus, target: ShowtimeStatus) -> bool:
    """Whether the lifecycle may move a showtime from `current` to `target` (never out of Cancelled)."""
    return current is not ShowtimeStatus.CANCELLED and _SHOWTIME_ORDER[target] > _SHOWTIME_ORDER[current]


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


class SweepInput(BaseModel):
    as_of: datetime
    horizon: timedelta  # showtimes with a transition due within this get their own timer workflow


class SweepResult(BaseModel):
    showtimes_started: int = 0
    showtimes_completed: int = 0
    movies_showing: int = 0
    movies_ended: int = 0
    timers_armed: int = 0
