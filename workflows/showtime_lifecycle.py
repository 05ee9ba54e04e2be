"""ShowtimeLifecycleWorkflow: one durable timer workflow per showtime, `showtime-lifecycle-{id}`.

It sleeps until the showtime starts (→ Ongoing), then until it ends (→ Completed), and returns.
`reschedule` moves its timers; `cancel` ends it. Each step asks the database to apply the status due
at the workflow's time and adopts the times the database answers with, so a timer that raced a
reschedule corrects itself instead of moving the showtime early. It runs on the showtimes queue, and
its step on the workflow's own queue (so a timer started on the legacy `cinema-catalog` queue keeps
its steps there).
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.search_attributes import SHOWTIME_ID

with workflow.unsafe.imports_passed_through():
    from activities.showtimes import ShowtimeActivities
    from domain.showtimes.lifecycle import AdvanceShowtime, ShowtimeState, ShowtimeTimes
    from domain.showtimes.models import ShowtimeStatus

# Registered on the server with the saga's attributes: operators find a showtime's timer by its id.

STEP = {
    "start_to_close_timeout": timedelta(seconds=30),
    # A status change must land eventually: keep retrying while the database is away.
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}


@workflow.defn
class ShowtimeLifecycleWorkflow:
    @workflow.init
    def __init__(self, times: ShowtimeTimes) -> None:
        self._times = times
        self._status = ShowtimeStatus.SCHEDULED
        self._changed = False
        self._cancelled = False

    @workflow.run
    async def run(self, times: ShowtimeTimes) -> ShowtimeStatus:
        workflow.upsert_search_attributes([SHOWTIME_ID.value_set(str(self._times.showtime_id))])
        while not self._cancelled:
            boundary = (
                self._times.start_time if self._status is ShowtimeStatus.SCHEDULED else self._times.end_time
            )
            wait = boundary - workflow.now()
            if wait > timedelta(0) and await self._woken_before(wait):
                continue  # rescheduled or cancelled: look at the new times first
            state: ShowtimeState = await workflow.execute_activity_method(
                ShowtimeActivities.advance_showtime_status,
                AdvanceShowtime(showtime_id=self._times.showtime_id, as_of=workflow.now()),
                **STEP,
            )
            self._status = state.status
            if state.finished:
                break
            self._times = ShowtimeTimes(
                showtime_id=state.showtime_id, start_time=state.start_time, end_time=state.end_time
            )
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ShowtimeStatus.CANCELLED if self._cancelled else self._status

    async def _woken_before(self, wait: timedelta) -> bool:
        """Sleep for `wait` (a durable timer); True when a signal came first."""
        self._changed = False
        try:
            await workflow.wait_condition(lambda: self._changed or self._cancelled, timeout=wait)
        except TimeoutError:
            return False
        return True

    @workflow.signal
    def reschedule(self, times: ShowtimeTimes) -> None:
        """The showtime moved: wait for its new start and end."""
        self._times = times
        self._changed = True

    @workflow.signal
    def cancel(self) -> None:
        """The showtime was cancelled: stop without touching its status."""
        self._cancelled = True

    @workflow.query
    def state(self) -> ShowtimeState:
        return ShowtimeState(
            showtime_id=self._times.showtime_id,
            start_time=self._times.start_time,
            end_time=self._times.end_time,
            status=ShowtimeStatus.CANCELLED if self._cancelled else self._status,
        )
