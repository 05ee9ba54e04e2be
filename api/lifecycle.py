"""Start, move and stop the lifecycle timer workflows; call these only after the database commit.

Each call is idempotent: the workflow id comes from the row (`showtime-lifecycle-{id}`,
`movie-lifecycle-{id}`), and signal-with-start either starts the workflow or tells the running one
the new times. If Temporal cannot be reached the change is still committed and the call only logs:
the lifecycle sweep (a Temporal Schedule) moves overdue statuses and re-arms the timers.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from datetime import date, timedelta
from typing import Protocol

from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.showtimes.lifecycle import MovieDates, ShowtimeTimes, movie_workflow_id, showtime_workflow_id
from domain.showtimes.models import Showtime
from workflows.movie_lifecycle import MovieLifecycleWorkflow
from workflows.queues import TaskQueue
from workflows.showtime_lifecycle import ShowtimeLifecycleWorkflow

log = logging.getLogger("cinema.lifecycle")

RPC_TIMEOUT = timedelta(seconds=5)


class MovieLike(Protocol):
    """A Movie row or MoviePublic: what the movie lifecycle needs to know."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def release_date(self) -> date: ...

    @property
    def end_date(self) -> date | None: ...


async def _best_effort(what: str, call: Awaitable[object]) -> None:
    try:
        async with asyncio.timeout(RPC_TIMEOUT.total_seconds() * 2):
            await call
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return  # nothing was waiting: nothing to stop
        log.warning("%s failed (%s); the lifecycle sweep will catch up", what, error)
    except (TimeoutError, OSError, RuntimeError) as error:
        log.warning("%s failed (%r); the lifecycle sweep will catch up", what, error)


async def schedule_showtime_lifecycle(temporal: Client, showtime: Showtime) -> None:
    """Start the showtime's timer workflow, or move its timers to the showtime's current times."""
    times = ShowtimeTimes(showtime_id=showtime.id, start_time=showtime.start_time, end_time=showtime.end_time)
    await _best_effort(
        f"scheduling showtime {showtime.id}",
        temporal.start_workflow(
            ShowtimeLifecycleWorkflow.run,
            times,
            id=showtime_workflow_id(showtime.id),
            task_queue=TaskQueue.CATALOG,
            start_signal="reschedule",
            start_signal_args=[times],
            rpc_timeout=RPC_TIMEOUT,
        ),
    )


async def end_showtime_lifecycle(temporal: Client, showtime_id: uuid.UUID) -> None:
    """Tell a cancelled showtime's timer workflow to stop."""
    handle = temporal.get_workflow_handle_for(
        ShowtimeLifecycleWorkflow.run, showtime_workflow_id(showtime_id)
    )
    await _best_effort(
        f"stopping showtime {showtime_id}'s lifecycle",
        handle.signal(ShowtimeLifecycleWorkflow.cancel, rpc_timeout=RPC_TIMEOUT),
    )


async def schedule_movie_lifecycle(temporal: Client, movie: MovieLike) -> None:
    """Start the movie's timer workflow (Coming → Showing → Ended), or give it the movie's new dates.

    Call after the commit that created the movie or changed its releaseDate/endDate.
    """
    dates = MovieDates(movie_id=movie.id, release_date=movie.release_date, end_date=movie.end_date)
    await _best_effort(
        f"scheduling movie {movie.id}",
        temporal.start_workflow(
            MovieLifecycleWorkflow.run,
            dates,
            id=movie_workflow_id(movie.id),
            task_queue=TaskQueue.CATALOG,
            start_signal="reschedule",
            start_signal_args=[dates],
            rpc_timeout=RPC_TIMEOUT,
        ),
    )


async def end_movie_lifecycle(temporal: Client, movie_id: uuid.UUID) -> None:
    """Tell a deleted movie's timer workflow to stop."""
    handle = temporal.get_workflow_handle_for(MovieLifecycleWorkflow.run, movie_workflow_id(movie_id))
    await _best_effort(
        f"stopping movie {movie_id}'s lifecycle",
        handle.signal(MovieLifecycleWorkflow.stop, rpc_timeout=RPC_TIMEOUT),
    )
