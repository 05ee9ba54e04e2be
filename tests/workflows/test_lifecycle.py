"""The scheduled lifecycle on the real Temporal dev server and PostgreSQL, with times of a few seconds."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import movie_lifecycle_workflow_id as movie_workflow_id
from domain.contracts.workflow_ids import showtime_lifecycle_workflow_id as showtime_workflow_id
from domain.movies import service as movies_service
from domain.movies.lifecycle import MovieDates
from domain.movies.models import MovieStatus
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.showtimes import service as showtimes_service
from domain.showtimes.lifecycle import ShowtimeTimes
from domain.showtimes.models import Showtime, ShowtimeStatus
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import ShowtimeCreate
from domain.showtimes.service import ScheduleRules
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.domain.showtimes.factories import local_today, make_movie, make_theater, reload_showtime
from tests.eventually import eventually
from workers.registry import ALL_WORKFLOWS
from workers.subscribers import movies as movie_timers
from workers.subscribers import showtimes as lifecycle
from workflows.lifecycle_sweep import SCHEDULE_ID, LifecycleSweep, LifecycleSweepWorkflow
from workflows.movie_lifecycle import MovieLifecycleWorkflow
from workflows.showtime_lifecycle import SHOWTIME_ID, ShowtimeLifecycleWorkflow

pytestmark = pytest.mark.usefixtures("worker")

RULES = ScheduleRules(cleaning_gap=timedelta(0), policy=PricingPolicy())


async def schedule_showtime_lifecycle(temporal: Client, showtime: Showtime) -> None:
    """What the showtime.scheduled/rescheduled consumer does, called directly."""
    await lifecycle.schedule_showtime_lifecycle(temporal, ShowtimeTimes(
        showtime_id=showtime.id, start_time=showtime.start_time, end_time=showtime.end_time))


async def schedule_movie_lifecycle(temporal: Client, movie: Any) -> None:
    await movie_timers.schedule_movie_lifecycle(temporal, MovieDates(movie_id=movie.id, release_date=movie.release_date,
                                                                  end_date=movie.end_date))


end_movie_lifecycle = movie_timers.end_movie_lifecycle


async def _short_showtime(sessionmaker: SessionMaker, *, starts_in: float, lasts: float) -> Showtime:
    """A real showtime (seats and all) that starts in `starts_in` seconds and lasts `lasts` seconds."""
    movie, theater = await make_movie(sessionmaker), await make_theater(sessionmaker)
    start = utcnow() + timedelta(seconds=starts_in)
    async with unit_of_work(sessionmaker) as session:
        showtime = await showtimes_service.create_showtime(
            session,
            data=ShowtimeCreate(
                movie_id=movie.id, theater_id=theater.id, start_time=start, base_price=90_000
            ),
            rules=RULES,
            now=utcnow(),
        )
        await _move(session, showtime.id, start, start + timedelta(seconds=lasts))
    return await reload_showtime(sessionmaker, showtime.id)


async def _move(session: Any, showtime_id: uuid.UUID, start: datetime, end: datetime) -> None:
    """Change a showtime's times in the database only (no signal to its workflow)."""
    await session.exec(
        update(Showtime).where(col(Showtime.id) == showtime_id).values(start_time=start, end_time=end)
    )


async def _eventually(check: Callable[[], Any], *, timeout: float = 15) -> datetime:
    """Poll until `check()` is true; return when it first was."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return utcnow()


def _status_is(
    sessionmaker: SessionMaker, showtime_id: uuid.UUID, status: ShowtimeStatus
) -> Callable[[], Any]:
    async def check() -> bool:
        return (await reload_showtime(sessionmaker, showtime_id)).status is status

    return check


def _movie_is(sessionmaker: SessionMaker, movie_id: uuid.UUID, status: MovieStatus) -> Callable[[], Any]:
    async def check() -> bool:
        async with unit_of_work(sessionmaker) as session:
            return (await movies_service.get_movie(session, movie_id=movie_id)).status is status

    return check


TOLERANCE = timedelta(milliseconds=200)


class TestShowtimeLifecycle:
    async def test_ongoing_at_start_then_completed_at_end(
        self, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        showtime = await _short_showtime(sessionmaker, starts_in=2, lasts=2)
        await schedule_showtime_lifecycle(temporal, showtime)
        await schedule_showtime_lifecycle(temporal, showtime)  # idempotent: same id, one workflow
        assert (await reload_showtime(sessionmaker, showtime.id)).status is ShowtimeStatus.SCHEDULED

        ongoing_at = await _eventually(_status_is(sessionmaker, showtime.id, ShowtimeStatus.ONGOING))
        assert ongoing_at >= showtime.start_time - TOLERANCE
        completed_at = await _eventually(_status_is(sessionmaker, showtime.id, ShowtimeStatus.COMPLETED))
        assert completed_at >= showtime.end_time - TOLERANCE
        handle = temporal.get_workflow_handle_for(
            ShowtimeLifecycleWorkflow.run, showtime_workflow_id(showtime.id)
        )
        assert await handle.result() is ShowtimeStatus.COMPLETED
        # Operators find the timer in the Temporal UI by `ShowtimeId = '<id>'`.
        described = await handle.describe()
        assert described.typed_search_attributes.get(SHOWTIME_ID) == str(showtime.id)

    async def test_a_reschedule_moves_the_timers(self, sessionmaker: SessionMaker, temporal: Client) -> None:
        showtime = await _short_showtime(sessionmaker, starts_in=2, lasts=2)
        await schedule_showtime_lifecycle(temporal, showtime)
        new_start = utcnow() + timedelta(seconds=5)
        async with unit_of_work(sessionmaker) as session:
            await _move(session, showtime.id, new_start, new_start + timedelta(seconds=2))
        await schedule_showtime_lifecycle(temporal, await reload_showtime(sessionmaker, showtime.id))

        await asyncio.sleep((showtime.start_time - utcnow()).total_seconds() + 1)  # past the old start
        assert (await reload_showtime(sessionmaker, showtime.id)).status is ShowtimeStatus.SCHEDULED
        handle = temporal.get_workflow_handle_for(
            ShowtimeLifecycleWorkflow.run, showtime_workflow_id(showtime.id)
        )
        assert (await handle.query(ShowtimeLifecycleWorkflow.state)).start_time == new_start
        ongoing_at = await _eventually(_status_is(sessionmaker, showtime.id, ShowtimeStatus.ONGOING))
        assert ongoing_at >= new_start - TOLERANCE
        assert await handle.result() is ShowtimeStatus.COMPLETED

    async def test_a_timer_that_missed_the_reschedule_corrects_itself(
        self, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        showtime = await _short_showtime(sessionmaker, starts_in=1, lasts=2)
        await schedule_showtime_lifecycle(temporal, showtime)
        new_start = utcnow() + timedelta(seconds=4)
        async with unit_of_work(sessionmaker) as session:  # moved without telling the workflow
            await _move(session, showtime.id, new_start, new_start + timedelta(seconds=1))
        await asyncio.sleep(2.5)
        assert (await reload_showtime(sessionmaker, showtime.id)).status is ShowtimeStatus.SCHEDULED
        ongoing_at = await _eventually(_status_is(sessionmaker, showtime.id, ShowtimeStatus.ONGOING))
        assert ongoing_at >= new_start - TOLERANCE

    async def test_cancelling_ends_the_workflow_and_the_status_stays(
        self, sessionmaker: SessionMaker, temporal: Client, client: httpx.AsyncClient, make_user: Any
    ) -> None:
        showtime = await _short_showtime(sessionmaker, starts_in=2, lasts=1)
        await schedule_showtime_lifecycle(temporal, showtime)
        admin = await make_user(Role.ADMIN)
        response = await client.delete(f"/api/showtimes/{showtime.id}", headers=admin.headers)
        assert response.status_code == 200, response.text
        handle = temporal.get_workflow_handle_for(
            ShowtimeLifecycleWorkflow.run, showtime_workflow_id(showtime.id)
        )
        assert await asyncio.wait_for(handle.result(), timeout=5) is ShowtimeStatus.CANCELLED
        await asyncio.sleep((showtime.end_time - utcnow()).total_seconds() + 0.5)
        assert (await reload_showtime(sessionmaker, showtime.id)).status is ShowtimeStatus.CANCELLED

    async def test_the_api_starts_and_moves_the_timer(
        self, client: httpx.AsyncClient, make_user: Any, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        admin = await make_user(Role.ADMIN)
        movie, theater = await make_movie(sessionmaker), await make_theater(sessionmaker)
        start = utcnow().replace(microsecond=0) + timedelta(days=2)
        created = await client.post(
            "/api/showtimes",
            headers=admin.headers,
            json={
                "movieId": str(movie.id),
                "theaterId": str(theater.id),
                "startTime": start.isoformat(),
                "basePrice": 90_000,
            },
        )
        assert created.status_code == 201, created.text
        handle = temporal.get_workflow_handle_for(
            ShowtimeLifecycleWorkflow.run, showtime_workflow_id(uuid.UUID(created.json()["id"]))
        )
        state = await eventually(lambda: handle.query(ShowtimeLifecycleWorkflow.state),
                                 lambda found: found.start_time == start)
        assert state.start_time == start
        moved = start + timedelta(hours=3)
        response = await client.put(
            f"/api/showtimes/{created.json()['id']}",
            headers=admin.headers,
            json={"startTime": moved.isoformat()},
        )
        assert response.status_code == 200
        state = await eventually(lambda: handle.query(ShowtimeLifecycleWorkflow.state),
                                 lambda found: found.start_time == moved)
        assert (state.start_time, state.status) == (moved, ShowtimeStatus.SCHEDULED)
        await client.delete(f"/api/showtimes/{created.json()['id']}", headers=admin.headers)
        assert await asyncio.wait_for(handle.result(), timeout=5) is ShowtimeStatus.CANCELLED


class TestMovieLifecycle:
    async def test_coming_then_showing_then_ended(self, sessionmaker: SessionMaker, temporal: Client) -> None:
        today = local_today()
        movie = await make_movie(sessionmaker, release_date=today, end_date=today, status=MovieStatus.COMING,
                                 publish=False)
        show_at = utcnow() + timedelta(seconds=2)
        dates = MovieDates(
            movie_id=movie.id,
            release_date=today,
            end_date=today,
            show_at=show_at,
            end_at=show_at + timedelta(seconds=2),
        )
        handle = await temporal.start_workflow(
            MovieLifecycleWorkflow.run, dates, id=movie_workflow_id(movie.id), task_queue=TaskQueue.MOVIES
        )
        showing_at = await _eventually(_movie_is(sessionmaker, movie.id, MovieStatus.SHOWING))
        assert showing_at >= show_at - TOLERANCE
        ended_at = await _eventually(_movie_is(sessionmaker, movie.id, MovieStatus.ENDED))
        assert ended_at >= show_at + timedelta(seconds=2) - TOLERANCE
        assert await handle.result() is MovieStatus.ENDED

    async def test_a_timer_set_from_old_dates_does_not_move_the_movie(
        self, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        release = local_today() + timedelta(days=10)
        movie = await make_movie(sessionmaker, release_date=release, publish=False)
        assert movie.status is MovieStatus.COMING
        stale = MovieDates(
            movie_id=movie.id, release_date=local_today(), show_at=utcnow() + timedelta(seconds=1)
        )
        handle = await temporal.start_workflow(
            MovieLifecycleWorkflow.run, stale, id=movie_workflow_id(movie.id), task_queue=TaskQueue.MOVIES
        )
        await _eventually(lambda: _dates_are(handle, release))
        assert await _movie_is(sessionmaker, movie.id, MovieStatus.COMING)()
        await end_movie_lifecycle(temporal, movie.id)
        assert await asyncio.wait_for(handle.result(), timeout=5) is None

    async def test_schedule_after_commit_is_idempotent_and_takes_new_dates(
        self, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        movie = await make_movie(sessionmaker, release_date=local_today() + timedelta(days=3))
        await schedule_movie_lifecycle(temporal, movie)
        await schedule_movie_lifecycle(temporal, movie)
        handle = temporal.get_workflow_handle_for(MovieLifecycleWorkflow.run, movie_workflow_id(movie.id))
        assert await eventually(lambda: _dates_are(handle, movie.release_date))
        movie.release_date = local_today() + timedelta(days=5)
        await schedule_movie_lifecycle(temporal, movie)
        # The signal is applied at the workflow's next task; a query may be answered before it.
        assert await eventually(lambda: _dates_are(handle, movie.release_date))
        await end_movie_lifecycle(temporal, movie.id)
        await handle.result()
        await end_movie_lifecycle(temporal, movie.id)  # stopping a finished workflow is harmless


async def _dates_are(handle: Any, release: Any) -> bool:
    return (await handle.query(MovieLifecycleWorkflow.dates)).release_date == release  # type: ignore[no-any-return]


class TestSweep:
    async def test_fixes_overdue_statuses_and_arms_upcoming_timers(
        self, sessionmaker: SessionMaker, temporal: Client
    ) -> None:
        now = utcnow()
        overdue_start = Showtime(
            movie_id=uuid.uuid4(),
            theater_id=uuid.uuid4(),
            cinema_id=uuid.uuid4(),
            start_time=now - timedelta(minutes=30),
            end_time=now + timedelta(minutes=30),
            base_price=90_000,
        )
        overdue_end = Showtime(
            movie_id=uuid.uuid4(),
            theater_id=uuid.uuid4(),
            cinema_id=uuid.uuid4(),
            start_time=now - timedelta(hours=3),
            end_time=now - timedelta(hours=1),
            base_price=90_000,
            status=ShowtimeStatus.ONGOING,
        )
        soon = Showtime(
            movie_id=uuid.uuid4(),
            theater_id=uuid.uuid4(),
            cinema_id=uuid.uuid4(),
            start_time=now + timedelta(seconds=40),
            end_time=now + timedelta(hours=2),
            base_price=90_000,
        )
        async with unit_of_work(sessionmaker) as session:
            session.add_all([overdue_start, overdue_end, soon])
        # Movies whose timers never started (publish=False): what the sweep is the safety net for.
        released = await make_movie(
            sessionmaker, release_date=local_today() - timedelta(days=1), status=MovieStatus.COMING, publish=False
        )
        finished = await make_movie(
            sessionmaker,
            release_date=local_today() - timedelta(days=30),
            end_date=local_today() - timedelta(days=1),
            status=MovieStatus.SHOWING,
            publish=False,
        )

        result = await temporal.execute_workflow(
            LifecycleSweepWorkflow.run,
            LifecycleSweep(horizon=timedelta(minutes=1)),
            id=f"test-sweep-{uuid.uuid4()}",
            task_queue=TaskQueue.SHOWTIMES,
        )
        assert result.showtimes_started >= 1 and result.showtimes_completed >= 1
        assert result.movies_showing >= 1 and result.movies_ended >= 1 and result.timers_armed >= 1
        assert (await reload_showtime(sessionmaker, overdue_start.id)).status is ShowtimeStatus.ONGOING
        assert (await reload_showtime(sessionmaker, overdue_end.id)).status is ShowtimeStatus.COMPLETED
        assert (await reload_showtime(sessionmaker, soon.id)).status is ShowtimeStatus.SCHEDULED
        assert await _movie_is(sessionmaker, released.id, MovieStatus.SHOWING)()
        assert await _movie_is(sessionmaker, finished.id, MovieStatus.ENDED)()
        armed = await temporal.get_workflow_handle(showtime_workflow_id(soon.id)).describe()
        assert armed.status is WorkflowExecutionStatus.RUNNING

        again = await temporal.execute_workflow(  # a second sweep finds nothing left to fix for these rows
            LifecycleSweepWorkflow.run,
            LifecycleSweep(horizon=timedelta(minutes=1)),
            id=f"test-sweep-{uuid.uuid4()}",
            task_queue=TaskQueue.SHOWTIMES,
        )
        assert again.timers_armed >= 1
        await temporal.get_workflow_handle_for(
            ShowtimeLifecycleWorkflow.run, showtime_workflow_id(soon.id)
        ).signal(ShowtimeLifecycleWorkflow.cancel)

    async def test_the_worker_keeps_a_schedule_for_the_sweep(
        self, temporal: Client, settings: Settings
    ) -> None:
        description = await temporal.get_schedule_handle(SCHEDULE_ID).describe()
        intervals = description.schedule.spec.intervals
        assert [i.every for i in intervals] == [settings.showtimes.lifecycle_sweep_interval]
        assert description.schedule.state.paused is False


async def test_lifecycle_histories_replay_deterministically(
    sessionmaker: SessionMaker, temporal: Client
) -> None:
    showtime = await _short_showtime(sessionmaker, starts_in=0.5, lasts=0.5)
    await schedule_showtime_lifecycle(temporal, showtime)
    handle = temporal.get_workflow_handle_for(
        ShowtimeLifecycleWorkflow.run, showtime_workflow_id(showtime.id)
    )
    await handle.result()
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
    await replayer.replay_workflow(await handle.fetch_history())
