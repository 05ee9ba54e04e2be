"""Lifecycle rules: which status is due when, and that statuses only move forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.movies.lifecycle import MovieDates, due_movie_status, movie_end_at, movie_moves_forward, movie_show_at
from domain.movies.models import MovieStatus
from domain.showtimes.lifecycle import due_showtime_status, local_day_bounds, showtime_moves_forward
from domain.showtimes.models import ShowtimeStatus

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


@pytest.mark.parametrize(
    ("as_of", "due"),
    [
        (START - timedelta(seconds=1), ShowtimeStatus.SCHEDULED),
        (START, ShowtimeStatus.ONGOING),
        (END - timedelta(seconds=1), ShowtimeStatus.ONGOING),
        (END, ShowtimeStatus.COMPLETED),
    ],
)
def test_due_showtime_status(as_of: datetime, due: ShowtimeStatus) -> None:
    assert due_showtime_status(start_time=START, end_time=END, as_of=as_of) is due


def test_showtimes_only_move_forward_and_never_out_of_cancelled() -> None:
    assert showtime_moves_forward(ShowtimeStatus.SCHEDULED, ShowtimeStatus.ONGOING)
    assert showtime_moves_forward(ShowtimeStatus.SCHEDULED, ShowtimeStatus.COMPLETED)
    assert not showtime_moves_forward(ShowtimeStatus.ONGOING, ShowtimeStatus.SCHEDULED)
    assert not showtime_moves_forward(ShowtimeStatus.COMPLETED, ShowtimeStatus.COMPLETED)
    assert not showtime_moves_forward(ShowtimeStatus.CANCELLED, ShowtimeStatus.COMPLETED)


def test_a_movie_shows_from_local_midnight_and_ends_after_its_end_date() -> None:
    show_at, end_at = movie_show_at(date(2026, 12, 5)), movie_end_at(date(2026, 12, 31))
    assert show_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 00:00 on 5 Dec in UTC+7
    assert end_at == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # the 31st is still a showing day
    assert movie_end_at(None) is None
    assert (
        due_movie_status(show_at=show_at, end_at=end_at, as_of=show_at - timedelta(seconds=1))
        is MovieStatus.COMING
    )
    assert due_movie_status(show_at=show_at, end_at=end_at, as_of=show_at) is MovieStatus.SHOWING
    assert due_movie_status(show_at=show_at, end_at=end_at, as_of=end_at) is MovieStatus.ENDED
    assert (
        due_movie_status(show_at=show_at, end_at=None, as_of=end_at + timedelta(days=900))
        is MovieStatus.SHOWING
    )


def test_movies_only_move_forward() -> None:
    assert movie_moves_forward(MovieStatus.COMING, MovieStatus.ENDED)
    assert not movie_moves_forward(MovieStatus.ENDED, MovieStatus.SHOWING)


def test_explicit_instants_override_the_dates() -> None:
    moment = datetime(2026, 12, 1, 8, 0, 2, tzinfo=UTC)
    dates = MovieDates(
        movie_id="00000000-0000-0000-0000-000000000001", release_date=date(2026, 12, 1), show_at=moment
    )
    assert dates.resolved_show_at() == moment and dates.resolved_end_at() is None


def test_local_day_bounds() -> None:
    start, end = local_day_bounds(date(2026, 12, 2))
    assert (start.astimezone(UTC), end - start) == (
        datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        timedelta(days=1),
    )
