"""`cinema seed`'s week of showtimes: realistic, non-overlapping, idempotent."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from cinema.seed import run_seed
from cinema.seed_catalog import CINEMAS, seed_cinemas, seed_genres, seed_movies
from cinema.seed_showtimes import LAST_START, Film, day_plan, demo_theaters, seed_showtimes
from domain.movies.models import Movie, MovieStatus
from domain.shared.time import LOCAL_TZ, utcnow
from domain.showtimes.models import Showtime, ShowtimeStatus
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings

GAP = timedelta(minutes=15)
DAY = date(2026, 12, 2)
FILMS = [
    Film("a", "Lật Mặt 7", 138, DAY - timedelta(days=3), None),
    Film("b", "Mai", 131, DAY - timedelta(days=30), DAY + timedelta(days=3)),
    Film("c", "Sắp chiếu", 100, DAY + timedelta(days=1), None),
]


class TestDayPlan:
    def test_back_to_back_from_nine_with_cleaning_gaps_on_five_minute_marks(self) -> None:
        plan = day_plan(FILMS, day=DAY, offset=0, gap=GAP, not_before=datetime(2026, 1, 1, tzinfo=LOCAL_TZ))
        starts = [start for _, start in plan]
        assert starts[0] == datetime(2026, 12, 2, 9, 0, tzinfo=LOCAL_TZ)
        assert all(s.minute % 5 == 0 and s.time() <= LAST_START for s in starts)
        for (film, start), next_start in zip(plan, starts[1:], strict=False):
            assert next_start >= start + timedelta(minutes=film.duration) + GAP
            assert next_start - (start + timedelta(minutes=film.duration) + GAP) < timedelta(minutes=5)
        assert {film.id for film, _ in plan} == {"a", "b"}  # "c" is not released yet on DAY

    def test_today_starts_after_now(self) -> None:
        now = datetime(2026, 12, 2, 15, 7, tzinfo=LOCAL_TZ)
        plan = day_plan(FILMS, day=DAY, offset=1, gap=GAP, not_before=now)
        assert plan[0][1] == datetime(2026, 12, 2, 15, 10, tzinfo=LOCAL_TZ) and plan[0][0].id == "b"
        assert day_plan(FILMS, day=DAY, offset=0, gap=GAP, not_before=now.replace(hour=23, minute=31)) == []
        assert day_plan([FILMS[2]], day=DAY, offset=0, gap=GAP, not_before=now) == []


async def test_seed_makes_a_week_once(settings: Settings, sessionmaker: SessionMaker) -> None:
    catalog = [("genres", seed_genres), ("movies", seed_movies), ("cinemas and theaters", seed_cinemas)]
    await run_seed(settings.resolved_database_url, steps=catalog)
    started = clock.monotonic()
    first = await run_seed(settings.resolved_database_url, steps=[("showtimes", seed_showtimes)])
    took = clock.monotonic() - started
    again = await run_seed(settings.resolved_database_url, steps=[("showtimes", seed_showtimes)])
    assert len(first) == len(again) == 4 * len(CINEMAS)
    assert not any(item.created for item in again), "a second run must change nothing"
    assert took < 120, took
    print(f"seeded in {took:.1f}s")

    today = utcnow().astimezone(LOCAL_TZ).date()
    async with unit_of_work(sessionmaker) as session:
        demo = [theater.id for _, theater in await demo_theaters(session)]
        rows = list(
            (
                await session.exec(
                    select(Showtime).where(
                        col(Showtime.theater_id).in_(demo),  # other tests schedule in their own theaters
                        col(Showtime.start_time)
                        >= datetime.combine(today + timedelta(days=1), time(0), tzinfo=LOCAL_TZ),
                        col(Showtime.start_time)
                        < datetime.combine(today + timedelta(days=7), time(0), tzinfo=LOCAL_TZ),
                        col(Showtime.status) != ShowtimeStatus.CANCELLED,
                    )
                )
            ).all()
        )
        movies = {
            m.id: m
            for m in (
                await session.exec(select(Movie).where(col(Movie.id).in_({r.movie_id for r in rows})))
            ).all()
        }
    by_theater: dict[Any, list[Showtime]] = {}
    for row in rows:
        by_theater.setdefault(row.theater_id, []).append(row)
    assert len(by_theater) == len(demo) == 4 * len(CINEMAS)
    for shows in by_theater.values():
        shows.sort(key=lambda s: s.start_time)
        for earlier, later in zip(shows, shows[1:], strict=False):
            assert later.start_time >= earlier.end_time  # cleaning gap included in end_time
    for row in rows:
        local = row.start_time.astimezone(LOCAL_TZ)
        assert time(9, 0) <= local.time() <= time(23, 30)
        movie = movies[row.movie_id]
        assert movie.status is not MovieStatus.ENDED and movie.release_date <= local.date()
        assert movie.end_date is None or local.date() <= movie.end_date
    days = {(s.theater_id, s.start_time.astimezone(LOCAL_TZ).date()) for s in rows}
    assert len(days) >= 6 * 4 * len(CINEMAS) * 0.9  # (nearly) every demo theater, every day of the week
