"""LifecycleSweepWorkflow: the lifecycle's safety net, run every few minutes by a Temporal Schedule.

It moves every overdue showtime and movie forward (rows created before their timer existed, seeded
data, a timer start that failed after a commit) and starts the timer workflow of each showtime with a
transition due within the horizon, so those move on time rather than at the next sweep. It runs on the
showtimes queue; the movies step goes to the movies queue.

`CatalogSweepWorkflow` is its name before the showtimes and movies queues split (the `cinema-catalog`
queue): it stays registered on the legacy queue so a run in flight at the upgrade finishes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.movies import MovieActivities
    from activities.showtimes import ShowtimeActivities
    from domain.contracts.queues import TaskQueue
    from domain.showtimes.lifecycle import SweepInput, SweepResult
    from workflows.showtime_lifecycle import STEP

SCHEDULE_ID = "lifecycle-sweep"
LEGACY_SCHEDULE_ID = "catalog-lifecycle-sweep"  # the Schedule before the rename; the worker deletes it

# Sweeps before this patch ran every step on their own queue (`cinema-catalog`); the movies step now goes
# to the movies service's queue.
SERVICE_QUEUES_PATCH = "sweep-on-service-queues"


class LifecycleSweep(BaseModel):
    horizon: timedelta = timedelta(minutes=10)


async def _sweep(sweep: LifecycleSweep) -> SweepResult:
    step = SweepInput(as_of=workflow.now(), horizon=sweep.horizon)
    showtimes: SweepResult = await workflow.execute_activity_method(
        ShowtimeActivities.sweep_showtimes, step, **STEP
    )
    movies_queue: dict[str, Any] = (
        {"task_queue": TaskQueue.MOVIES} if workflow.patched(SERVICE_QUEUES_PATCH) else {}
    )
    movies: SweepResult = await workflow.execute_activity_method(
        MovieActivities.sweep_movies, step, **movies_queue, **STEP
    )
    armed: SweepResult = await workflow.execute_activity_method(
        ShowtimeActivities.arm_showtime_timers, step, **STEP
    )
    return SweepResult(
        showtimes_started=showtimes.showtimes_started,
        showtimes_completed=showtimes.showtimes_completed,
        movies_showing=movies.movies_showing,
        movies_ended=movies.movies_ended,
        timers_armed=armed.timers_armed,
    )


@workflow.defn
class LifecycleSweepWorkflow:
    @workflow.run
    async def run(self, sweep: LifecycleSweep) -> SweepResult:
        return await _sweep(sweep)


@workflow.defn(name="CatalogSweepWorkflow")
class LegacyCatalogSweepWorkflow:
    """The same sweep under its old type name, for runs started by the old Schedule (legacy queue only)."""

    @workflow.run
    async def run(self, sweep: LifecycleSweep) -> SweepResult:
        return await _sweep(sweep)
