"""The showtimes service keeps the lifecycle timer workflows in step with showtimes and movies.

Each timer workflow's id comes from its row (`showtime-lifecycle-{id}`, `movie-lifecycle-{id}`), and
signal-with-start either starts it or tells the running one the new times; the lifecycle sweep (a
Temporal Schedule) stays the safety net.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from domain.contracts.events import (
    EventEnvelope,
    MovieDatesChanged,
    MovieDeleted,
    ShowtimeCancelled,
    ShowtimeTimesChanged,
    Topic,
)
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import movie_lifecycle_workflow_id, showtime_lifecycle_workflow_id
from domain.movies import service as movies_service
from domain.movies.errors import MovieNotFound
from domain.showtimes import service as showtimes_service
from domain.showtimes.lifecycle import MovieDates, ShowtimeTimes
from infra.events.consumer import Subscription
from workers.subscribers import temporal_call
from workflows.movie_lifecycle import MovieLifecycleWorkflow
from workflows.showtime_lifecycle import ShowtimeLifecycleWorkflow

RPC_TIMEOUT = timedelta(seconds=5)


async def _set_timers(temporal: Client, run: Any, times: ShowtimeTimes | MovieDates, workflow_id: str,
                      queue: TaskQueue) -> None:
    """Signal-with-start: start the timer workflow, or give the running one these times (one still running on
    the legacy queue stays there)."""
    async with temporal_call(f"scheduling {workflow_id}"):
        await temporal.start_workflow(run, times, id=workflow_id, task_queue=queue,
                                      start_signal="reschedule", start_signal_args=[times], rpc_timeout=RPC_TIMEOUT)


async def _stop_timers(temporal: Client, run: Any, stop: Any, workflow_id: str) -> None:
    """Tell a timer workflow to stop (none running is fine)."""
    async with temporal_call(f"stopping {workflow_id}", missing_ok=True):
        await temporal.get_workflow_handle_for(run, workflow_id).signal(stop, rpc_timeout=RPC_TIMEOUT)


async def schedule_showtime_lifecycle(temporal: Client, times: ShowtimeTimes) -> None:
    await _set_timers(temporal, ShowtimeLifecycleWorkflow.run, times,
                      showtime_lifecycle_workflow_id(times.showtime_id), TaskQueue.SHOWTIMES)


async def end_showtime_lifecycle(temporal: Client, showtime_id: uuid.UUID) -> None:
    await _stop_timers(temporal, ShowtimeLifecycleWorkflow.run, ShowtimeLifecycleWorkflow.cancel,
                       showtime_lifecycle_workflow_id(showtime_id))


async def schedule_movie_lifecycle(temporal: Client, dates: MovieDates) -> None:
    """Coming → Showing → Ended at the movie's dates."""
    await _set_timers(temporal, MovieLifecycleWorkflow.run, dates, movie_lifecycle_workflow_id(dates.movie_id),
                      TaskQueue.MOVIES)


async def end_movie_lifecycle(temporal: Client, movie_id: uuid.UUID) -> None:
    await _stop_timers(temporal, MovieLifecycleWorkflow.run, MovieLifecycleWorkflow.stop,
                       movie_lifecycle_workflow_id(movie_id))


def lifecycle_timers(temporal: Client) -> Subscription:
    """The timers follow the rows as they are now (not as the event saw them), so events that arrive late
    or twice never set a timer back."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        if isinstance(data, ShowtimeTimesChanged | ShowtimeCancelled):
            times = await showtimes_service.lifecycle_times(session, showtime_id=data.showtime_id)
            if times is None:
                await end_showtime_lifecycle(temporal, data.showtime_id)
            else:
                await schedule_showtime_lifecycle(temporal, times)
        elif isinstance(data, MovieDatesChanged | MovieDeleted):
            try:
                movie = await movies_service.get_movie(session, movie_id=data.movie_id)
            except MovieNotFound:
                await end_movie_lifecycle(temporal, data.movie_id)
                return
            await schedule_movie_lifecycle(temporal, MovieDates(movie_id=movie.id, release_date=movie.release_date,
                                                                end_date=movie.end_date))

    return Subscription(group="showtimes.lifecycle-timers", schema="showtimes", handle=handle, topics=(
        Topic.SHOWTIME_SCHEDULED, Topic.SHOWTIME_RESCHEDULED, Topic.SHOWTIME_CANCELLED, Topic.MOVIE_PUBLISHED,
        Topic.MOVIE_UPDATED, Topic.MOVIE_DELETED))
