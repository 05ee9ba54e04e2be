"""Catalog rows for showtime tests, made through the movies and cinemas services (committed, unique names)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete

from domain.cinemas import service as cinemas_service
from domain.cinemas.layout import LayoutSpec
from domain.cinemas.models import TheaterStatus
from domain.cinemas.schemas import CinemaCreate, TheaterCreate
from domain.movies import service as movies_service
from domain.movies.models import Movie, MovieStatus
from domain.movies.schemas import MovieCreate
from domain.shared.outbox import OUTBOX
from domain.shared.time import LOCAL_TZ, utcnow
from domain.showtimes.models import Showtime
from infra.db import SessionMaker, unit_of_work

# 3 rows of 6: A standard with A3 broken, B VIP, C couples (1-2, 3-4, 5-6); an aisle after seat 2.
SMALL_LAYOUT = {
    "rows": 3,
    "seatsPerRow": 6,
    "aisles": [2],
    "vipRows": ["B"],
    "coupleRows": ["C"],
    "brokenSeats": ["A3"],
}


def local_today() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


async def make_movie(
    sessionmaker: SessionMaker,
    *,
    duration: int = 100,
    release_date: date | None = None,
    end_date: date | None = None,
    status: MovieStatus | None = None,
    publish: bool = True,
) -> Movie:
    """A movie made by the movies service; `publish=False` drops its movie.published event before the commit,
    for tests that run the movie's lifecycle workflow themselves."""
    body = MovieCreate.model_validate(
        {
            "title": f"Phim thử {uuid.uuid4().hex[:8]}",
            "duration": duration,
            "language": "vi",
            "ageRating": "P",
            "releaseDate": (release_date or local_today() - timedelta(days=3)).isoformat(),
            "endDate": end_date.isoformat() if end_date else None,
            "status": status,
        }
    )
    async with unit_of_work(sessionmaker) as session:
        created = await movies_service.create_movie(session, body=body, today=local_today())
        if not publish:
            await session.exec(delete(OUTBOX["movies"]).where(OUTBOX["movies"].c.aggregate_id == str(created.id)))
        return await movies_service.get_movie(session, movie_id=created.id)


async def make_theater(
    sessionmaker: SessionMaker,
    *,
    layout: dict[str, Any] | None = None,
    status: TheaterStatus = TheaterStatus.ACTIVE,
) -> Any:
    suffix = uuid.uuid4().hex[:8]
    async with unit_of_work(sessionmaker) as session:
        cinema = await cinemas_service.create_cinema(
            session,
            body=CinemaCreate.model_validate(
                {
                    "name": f"Rạp thử {suffix}",
                    "address": "1 Lê Lợi",
                    "city": "Hồ Chí Minh",
                    "district": "Quận 1",
                    # Far from the demo cinemas (Cà Mau), so "nearby" searches in other tests never see them.
                    "latitude": 9.18,
                    "longitude": 105.15,
                }
            ),
        )
        return await cinemas_service.create_theater(
            session,
            cinema_id=cinema.id,
            body=TheaterCreate.model_validate(
                {
                    "name": f"Phòng {suffix}",
                    "status": status.value,
                    "layout": LayoutSpec.model_validate(layout or SMALL_LAYOUT).model_dump(by_alias=True),
                }
            ),
        )


def local_time(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


async def reload_showtime(sessionmaker: SessionMaker, showtime_id: uuid.UUID) -> Showtime:
    async with unit_of_work(sessionmaker) as session:
        showtime = await session.get(Showtime, showtime_id)
        assert showtime is not None
        return showtime
