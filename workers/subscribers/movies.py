"""The movies service keeps each movie's lifecycle timer workflow (`movie-lifecycle-{id}`: Coming → Showing →
Ended) in step with the movie's dates; the lifecycle sweep stays the safety net."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from domain.contracts.events import EventEnvelope, MovieDatesChanged, MovieDeleted, Topic
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import movie_lifecycle_workflow_id
from domain.movies import service as movies_service
from domain.movies.errors import MovieNotFound
from domain.movies.lifecycle import MovieDates
from infra.events.consumer import Subscription
from workers.subscribers import set_timers, stop_timers
from workflows.movie_lifecycle import MovieLifecycleWorkflow


async def schedule_movie_lifecycle(temporal: Client, dates: MovieDates) -> None:
    await set_timers(temporal, MovieLifecycleWorkflow.run, dates, movie_lifecycle_workflow_id(dates.movie_id),
                     TaskQueue.MOVIES)


async def end_movie_lifecycle(temporal: Client, movie_id: uuid.UUID) -> None:
    await stop_timers(temporal, MovieLifecycleWorkflow.run, MovieLifecycleWorkflow.stop,
                      movie_lifecycle_workflow_id(movie_id))


def lifecycle_timers(temporal: Client) -> Subscription:
    """The timer follows the movie's dates as they are now, so a late or repeated event never sets it back."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, MovieDatesChanged | MovieDeleted)
        try:
            movie = await movies_service.get_movie(session, movie_id=data.movie_id)
        except MovieNotFound:  # deleted
            await end_movie_lifecycle(temporal, data.movie_id)
            return
        await schedule_movie_lifecycle(temporal, MovieDates(movie_id=movie.id, release_date=movie.release_date,
                                                            end_date=movie.end_date))

    return Subscription(group="movies.lifecycle-timers", schema="movies", handle=handle,
                        topics=(Topic.MOVIE_PUBLISHED, Topic.MOVIE_UPDATED, Topic.MOVIE_DELETED))
