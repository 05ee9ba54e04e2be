"""Demo showtimes for `cinema seed`: a week from today in every theater of the demo cinemas.

Each theater runs a day of back-to-back shows from 09:00 local time, every film followed by the
cleaning gap and starting on a 5-minute mark, the last one starting by 23:30. Films are the movies
showing that day (Showing, or Coming and released by then, never after their end date, never rated C),
rotated so neighbouring theaters play different ones. A theater-day that already has a showtime is
left as it is, so running the seed twice changes nothing (and running it tomorrow adds the new 7th
day). Statuses need no timers here: the lifecycle sweep (a Temporal Schedule) moves seeded showtimes
on and arms the timers of those about to start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from cinema.seed_catalog import CINEMAS
from domain.cinemas import service as cinemas_service
from domain.cinemas.models import ScreenType, Theater, TheaterStatus
from domain.cinemas.schemas import CinemaQuery
from domain.movies import service as movies_service
from domain.movies.models import AgeRating, MovieStatus
from domain.movies.schemas import MovieQuery
from domain.shared.time import LOCAL_TZ
from domain.showtimes import service as showtimes_service
from domain.showtimes.lifecycle import local_day_bounds
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import ShowtimeCreate
from domain.showtimes.service import ScheduleRules
from infra.settings import get_settings

if TYPE_CHECKING:
    from cinema.seed import Seeded

DAYS = 7
FIRST_SHOW = time(9, 0)
LAST_START = time(23, 30)
SLOT_MINUTES = 5
LEAD = timedelta(minutes=30)  # today, the first new show starts at least this long from now
BASE_PRICES = {
    ScreenType.TWO_D: 85_000,
    ScreenType.THREE_D: 100_000,
    ScreenType.IMAX: 150_000,
    ScreenType.FOUR_DX: 160_000,
}


@dataclass(frozen=True)
class Film:
    id: object
    title: str
    duration: int
    release_date: date
    end_date: date | None

    def shows_on(self, day: date) -> bool:
        return self.release_date <= day and (self.end_date is None or day <= self.end_date)


def _next_slot(moment: datetime) -> datetime:
    """The first 5-minute mark at or after `moment`, in local time."""
    local = moment.astimezone(LOCAL_TZ).replace(second=0, microsecond=0)
    if local < moment:
        local += timedelta(minutes=1)
    return local + timedelta(minutes=-local.minute % SLOT_MINUTES)


def day_plan(
    films: Sequence[Film], *, day: date, offset: int, gap: timedelta, not_before: datetime
) -> list[tuple[Film, datetime]]:
    """(film, start) pairs for one theater-day, back to back: film, cleaning gap, next 5-minute mark."""
    playing = [f for f in films if f.shows_on(day)]
    if not playing:
        return []
    cursor = _next_slot(max(datetime.combine(day, FIRST_SHOW, tzinfo=LOCAL_TZ), not_before))
    last = datetime.combine(day, LAST_START, tzinfo=LOCAL_TZ)
    plan = []
    while cursor <= last:
        film = playing[(offset + len(plan)) % len(playing)]
        plan.append((film, cursor))
        cursor = _next_slot(cursor + timedelta(minutes=film.duration) + gap)
    return plan


async def _films(session: AsyncSession) -> list[Film]:
    films = []
    for status in (MovieStatus.SHOWING, MovieStatus.COMING):
        page = 1
        while True:
            listed = await movies_service.list_movies(
                session, query=MovieQuery(status=status, page=page, page_size=100)
            )
            films += [
                Film(m.id, m.title, m.duration, m.release_date, m.end_date)
                for m in listed.items
                if m.age_rating is not AgeRating.C
            ]
            if page * 100 >= listed.total:
                break
            page += 1
    return sorted(films, key=lambda f: (f.release_date, f.title))


async def demo_theaters(session: AsyncSession) -> list[tuple[str, Theater]]:
    names = {demo.name for demo in CINEMAS}
    cinemas = await cinemas_service.list_cinemas(session, query=CinemaQuery(page_size=100))
    found = []
    for cinema in sorted((c for c in cinemas.items if c.name in names), key=lambda c: c.name):
        for theater_id in await cinemas_service.theater_ids_of_cinema(session, cinema_id=cinema.id):
            theater = await cinemas_service.get_theater(session, theater_id=theater_id)
            if theater.status is TheaterStatus.ACTIVE and theater.capacity > 0:
                found.append((cinema.name, theater))
    return sorted(found, key=lambda pair: (pair[0], pair[1].name))


async def seed_showtimes(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure a week of showtimes from today in every theater of the demo cinemas."""
    from cinema.seed import Seeded  # imported here: cinema.seed imports this module to register the step

    own = get_settings().showtimes
    rules = ScheduleRules(
        cleaning_gap=timedelta(minutes=own.cleaning_gap_minutes),
        policy=PricingPolicy.from_settings(own.pricing, own.holidays),
    )
    films, today = await _films(session), now.astimezone(LOCAL_TZ).date()
    seeded = []
    for index, (cinema_name, theater) in enumerate(await demo_theaters(session)):
        created = 0
        for offset in range(DAYS):
            day = today + timedelta(days=offset)
            starts_from, starts_before = local_day_bounds(day)
            if await showtimes_service.count_live_showtimes(
                session, theater_id=theater.id, starts_from=starts_from, starts_before=starts_before
            ):
                continue
            for film, start in day_plan(
                films, day=day, offset=index + offset, gap=rules.cleaning_gap, not_before=now + LEAD
            ):
                await showtimes_service.create_showtime(
                    session,
                    rules=rules,
                    now=now,
                    data=ShowtimeCreate(
                        movie_id=film.id,
                        theater_id=theater.id,
                        start_time=start,
                        base_price=BASE_PRICES.get(theater.screen_type, 90_000),
                    ),
                )
                created += 1
        seeded.append(
            Seeded(
                kind=f"week of showtimes ({created} new)" if created else "week of showtimes",
                name=f"{cinema_name} – {theater.name}",
                created=created > 0,
            )
        )
    return seeded
