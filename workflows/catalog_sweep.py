"""CatalogSweepWorkflow: the lifecycle's safety net, run every few minutes by a Temporal Schedule.

It moves every overdue showtime and movie forward (rows created before their timer existed, seeded
data, a timer start that failed after a commit) and starts the timer workflow of each showtime with a
transition due within the horizon, so those move on time rather than at the next sweep.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.catalog_lifecycle import CatalogLifecycleActivities
    from domain.showtimes.lifecycle import SweepInput, SweepResult
    from workflows.showtime_lifecycle import STEP

SCHEDULE_ID = "catalog-lifecycle-sweep"


class CatalogSweep(BaseModel):
    horizon: timedelta = timedelta(minutes=10)


@workflow.defn
class CatalogSweepWorkflow:
    @workflow.run
    async def run(self, sweep: CatalogSweep) -> SweepResult:
        step = SweepInput(as_of=workflow.now(), horizon=sweep.horizon)
        showtimes: SweepResult = await workflow.execute_activity_method(
            CatalogLifecycleActivities.sweep_showtimes, step, **STEP
        )
        movies: SweepResult = await workflow.execute_activity_method(
            CatalogLifecycleActivities.sweep_movies, step, **STEP
        )
        armed: SweepResult = await workflow.execute_activity_method(
            CatalogLifecycleActivities.arm_showtime_timers, step, **STEP
        )
        return SweepResult(
            showtimes_started=showtimes.showtimes_started,
            showtimes_completed=showtimes.showtimes_completed,
            movies_showing=movies.movies_showing,
            movies_ended=movies.movies_ended,
            timers_armed=armed.timers_armed,
        )
