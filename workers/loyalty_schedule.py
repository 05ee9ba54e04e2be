"""Set-up of the promotions queue's worker: the Temporal Schedule of the nightly loyalty review."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.contracts.queues import TaskQueue
from domain.promotions.tier_schemas import LoyaltyReviewRun
from domain.shared.time import LOCAL_TZ
from workflows.loyalty_schedule import SCHEDULE_ID, LoyaltyReviewWorkflow

log = logging.getLogger("cinema.worker")

REVIEW_HOUR = 2  # local time: after the day's last showtimes, before the morning's bookings


def loyalty_schedule() -> Schedule:
    return Schedule(
        # No day in the input: each run reviews the local day it starts on (workflow.now()).
        action=ScheduleActionStartWorkflow(LoyaltyReviewWorkflow.run, LoyaltyReviewRun(), id=f"{SCHEDULE_ID}-run",
                                           task_queue=TaskQueue.PROMOTIONS),
        spec=ScheduleSpec(calendars=[ScheduleCalendarSpec(hour=[ScheduleRange(REVIEW_HOUR)],
                                                          minute=[ScheduleRange(0)], second=[ScheduleRange(0)])],
                          time_zone_name=str(LOCAL_TZ)),
        # A slow review is never doubled up; a run missed by a few hours (server down) still happens.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=12)),
    )


async def ensure_loyalty_schedule(client: Client, *, paused: bool = False) -> None:
    """Create the review's Schedule (`paused`: created paused), or bring an existing one to this definition
    (keeping a pause)."""
    schedule = loyalty_schedule()
    schedule.state.paused = paused
    try:
        await client.create_schedule(SCHEDULE_ID, schedule)
        log.info("created schedule %s (daily at %02d:00 %s)", SCHEDULE_ID, REVIEW_HOUR, LOCAL_TZ)
    except ScheduleAlreadyRunningError:

        def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
            schedule.state = current.description.schedule.state  # paused by an operator stays paused
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(SCHEDULE_ID).update(keep_state)
