"""Set-up of the showtimes queue's worker: the Temporal Schedule that runs the lifecycle sweep."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from domain.contracts.queues import TaskQueue
from workflows.lifecycle_sweep import LEGACY_SCHEDULE_ID, SCHEDULE_ID, LifecycleSweep, LifecycleSweepWorkflow

log = logging.getLogger("cinema.worker")


def sweep_schedule(every: timedelta) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            LifecycleSweepWorkflow.run,
            LifecycleSweep(horizon=2 * every),
            id=f"{SCHEDULE_ID}-run",
            task_queue=TaskQueue.SHOWTIMES,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        # A slow sweep is never doubled up, and missed runs are not replayed: the next one catches up.
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.SKIP, catchup_window=max(every, timedelta(minutes=1))
        ),
    )


async def ensure_sweep_schedule(client: Client, *, every: timedelta) -> None:
    """Create the sweep's Schedule (and run it once now), or bring an existing one to `every`; delete the
    Schedule of the same sweep under its old id (`catalog-lifecycle-sweep`), so it runs once, not twice."""
    schedule = sweep_schedule(every)
    try:
        await client.create_schedule(SCHEDULE_ID, schedule, trigger_immediately=True)
        log.info("created schedule %s (every %s)", SCHEDULE_ID, every)
    except ScheduleAlreadyRunningError:

        def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state = current.description.schedule.state  # paused by an operator stays paused
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(keep_state)
    try:
        await client.get_schedule_handle(LEGACY_SCHEDULE_ID).delete()
        log.info("deleted the legacy schedule %s (now %s)", LEGACY_SCHEDULE_ID, SCHEDULE_ID)
    except RPCError as e:
        if e.status is not RPCStatusCode.NOT_FOUND:
            raise
