"""Activities of the movies service: move movies forward (Coming → Showing → Ended) when their dates come.

Every step is idempotent and forward-only, decided in the database with the workflow's clock
(`as_of`), so a retried or late step never moves anything backwards or early.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from domain.movies import service as movies_service
from domain.movies.lifecycle import (
    AdvanceMovie,
    MovieState,
    due_movie_status,
    movie_end_at,
    movie_moves_forward,
    movie_show_at,
)
from domain.movies.models import Movie, MovieStatus
from domain.movies.schemas import MovieQuery
from domain.shared.errors import NotFound
from domain.showtimes.lifecycle import SweepInput, SweepResult
from infra.db import SessionMaker, unit_of_work

PAGE = 100


def _movie_state(movie: Movie) -> MovieState:
    return MovieState(
        movie_id=movie.id, status=movie.status, release_date=movie.release_date, end_date=movie.end_date
    )


class MovieActivities:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    @activity.defn
    async def advance_movie_status(self, step: AdvanceMovie) -> MovieState:
        """Move a movie forward to `target`, unless its dates changed since the timer was set."""
        async with unit_of_work(self._sessionmaker) as session:
            try:
                movie = await movies_service.get_movie(session, movie_id=step.movie_id)
            except NotFound:
                return MovieState(
                    movie_id=step.movie_id,
                    status=MovieStatus.ENDED,
                    release_date=step.release_date,
                    end_date=step.end_date,
                    found=False,
                )
            same_dates = (movie.release_date, movie.end_date) == (step.release_date, step.end_date)
            if same_dates and movie_moves_forward(movie.status, step.target):
                movie = await movies_service.set_status(session, movie_id=movie.id, status=step.target)
            return _movie_state(movie)

    @activity.defn
    async def sweep_movies(self, sweep: SweepInput) -> SweepResult:
        """Move every movie whose release or end date has passed forward."""
        result = SweepResult()
        async with unit_of_work(self._sessionmaker) as session:
            for status in (MovieStatus.COMING, MovieStatus.SHOWING):
                for movie in await self._movies_with(session, status):
                    due = due_movie_status(
                        show_at=movie_show_at(movie.release_date),
                        end_at=movie_end_at(movie.end_date),
                        as_of=sweep.as_of,
                    )
                    if movie_moves_forward(movie.status, due):
                        await movies_service.set_status(session, movie_id=movie.movie_id, status=due)
                        if due is MovieStatus.ENDED:
                            result.movies_ended += 1
                        else:
                            result.movies_showing += 1
        return result

    @staticmethod
    async def _movies_with(session: AsyncSession, status: MovieStatus) -> list[MovieState]:
        found: list[MovieState] = []
        page = 1
        while True:  # collect first: moving a movie on changes the pages of its status
            listed = await movies_service.list_movies(
                session, query=MovieQuery(status=status, page=page, page_size=PAGE)
            )
            found += [
                MovieState(movie_id=m.id, status=m.status, release_date=m.release_date, end_date=m.end_date)
                for m in listed.items
            ]
            if page * PAGE >= listed.total:
                return found
            page += 1
