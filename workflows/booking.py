"""BookingWorkflow: the booking saga (seed "Booking Saga Flow"), workflow id `booking-{bookingId}`.

The API starts it with update-with-start: the `lock_seats` update holds the seats and answers the
request; then a durable timer keeps the hold for `hold_seconds` (15 minutes in production). Every
step registers its compensation before it runs, and on expiry, release, failure or cancellation the
compensations run newest first. Temporal's history is the saga log; the `status` query gives the
readable summary, and the SagaState search attribute tracks it in the Temporal UI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from activities.seats import SeatActivities
    from domain.bookings.saga import SagaState, SagaStep, SagaView, StepStatus
    from domain.bookings.schemas import (
        BookingInput,
        BookingOutcome,
        HoldView,
        LockSeatsInput,
        ReleaseSeatsInput,
        Requester,
        SeatSelection,
    )
    from workflows.saga import Saga

T = TypeVar("T")

SAGA_STATE = SearchAttributeKey.for_keyword("SagaState")
BOOKING_ID = SearchAttributeKey.for_keyword("BookingId")
USER_ID = SearchAttributeKey.for_keyword("UserId")
SHOWTIME_ID = SearchAttributeKey.for_keyword("ShowtimeId")

# A customer is waiting on the lock: a few quick tries, then an answer.
LOCK = dict(start_to_close_timeout=timedelta(seconds=5), schedule_to_close_timeout=timedelta(seconds=15),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=4))
# Compensations must end up done: retried without limit, backing off to once a minute.
COMPENSATION = dict(start_to_close_timeout=timedelta(seconds=10),
                    retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1)))


def refusal(error: ActivityError) -> ApplicationError:
    """Pass a step's business refusal (type, message, details) on to the caller of the update."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return ApplicationError("The seats could not be held right now; try again.", {"status": 503, "details": None},
                            type="LOCK_FAILED", non_retryable=True)


@workflow.defn
class BookingWorkflow:
    @workflow.init
    def __init__(self, input: BookingInput) -> None:
        self._input = input
        self._state = SagaState.STARTED
        self._steps: list[SagaStep] = []
        self._saga = Saga()
        self._hold: HoldView | None = None
        self._lock_failed = False
        self._released = False
        self._outcome: str | None = None
        self._busy = asyncio.Lock()  # update handlers interleave at every await

    @workflow.run
    async def run(self, input: BookingInput) -> BookingOutcome:
        try:
            await workflow.wait_condition(lambda: self._hold is not None or self._lock_failed)
            if self._hold is None:
                return await self._undo("SEATS_NOT_HELD", end=SagaState.FAILED)
            left = self._hold.expires_at - workflow.now()
            try:
                await workflow.wait_condition(lambda: self._released, timeout=max(left, timedelta(0)))
            except asyncio.TimeoutError:
                return await self._undo("HOLD_EXPIRED")
            return await self._undo("RELEASED_BY_CUSTOMER")
        except BaseException as e:
            # CancelledError is not an Exception: a cancelled saga compensates too.
            if isinstance(e, (asyncio.CancelledError, FailureError)):
                await self._undo("CANCELLED" if isinstance(e, asyncio.CancelledError) else "FAILED",
                                 end=SagaState.COMPENSATED)
            raise

    @workflow.update
    async def lock_seats(self, selection: SeatSelection) -> HoldView:
        """Hold the seats (step 1). Repeating the same request returns the same hold."""
        async with self._busy:
            if self._hold is not None:
                return self._hold
            booking = self._input
            expires_at = workflow.now() + timedelta(seconds=booking.hold_seconds)
            release = ReleaseSeatsInput(booking_id=booking.booking_id, showtime_id=booking.showtime_id)
            self._saga.on_failure("release_seats", lambda: workflow.execute_activity_method(
                SeatActivities.release_seats, release, **COMPENSATION))
            try:
                seats = await self._step("lock_seats", "showtimes", workflow.execute_activity_method(
                    SeatActivities.lock_seats, LockSeatsInput(
                        booking_id=booking.booking_id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                        seat_ids=selection.seat_ids, until=expires_at, max_seats=booking.max_seats), **LOCK))
            except ActivityError as e:
                self._lock_failed = True
                raise refusal(e) from e
            self._hold = HoldView(booking_id=booking.booking_id, showtime_id=booking.showtime_id, seats=seats,
                                  total_amount=sum(seat.price for seat in seats), expires_at=expires_at,
                                  state=SagaState.SEATS_LOCKED)
            self._set_state(SagaState.SEATS_LOCKED)
            return self._hold

    @lock_seats.validator
    def _accepts_seats(self, selection: SeatSelection) -> None:
        if self._lock_failed or self._state not in (SagaState.STARTED, SagaState.SEATS_LOCKED):
            raise ApplicationError("This booking no longer accepts seats.", {"status": 409, "details": None},
                                   type="BOOKING_CLOSED")
        if self._hold is not None and {s.seat_id for s in self._hold.seats} != set(selection.seat_ids):
            raise ApplicationError("This booking already holds other seats.", {"status": 409, "details": None},
                                   type="BOOKING_CLOSED")

    @workflow.update
    async def release_hold(self, who: Requester) -> None:
        """The customer gives the seats back before paying."""
        self._released = True

    @release_hold.validator
    def _holding(self, who: Requester) -> None:
        if who.user_id != self._input.user_id and not who.is_staff:
            raise ApplicationError("No such booking.", {"status": 404, "details": None}, type="NOT_FOUND")
        if self._state is not SagaState.SEATS_LOCKED or self._released:
            raise ApplicationError("Nothing is held for this booking.", {"status": 409, "details": None},
                                   type="NOT_HOLDING")

    @workflow.query
    def status(self) -> SagaView:
        return SagaView(booking_id=str(self._input.booking_id), state=self._state, outcome=self._outcome,
                        steps=self._steps)

    async def _step(self, name: str, service: str, call: Awaitable[T]) -> T:
        """Run one saga step, keeping its record for the `status` query."""
        record = SagaStep(name=name, service=service, status=StepStatus.PENDING, timestamp=workflow.now())
        self._steps.append(record)
        try:
            result = await call
        except BaseException as e:
            record.status, record.error = StepStatus.FAILED, str(getattr(e, "cause", None) or e)
            raise
        record.status, record.timestamp = StepStatus.SUCCESS, workflow.now()
        return result

    async def _undo(self, outcome: str, end: SagaState = SagaState.COMPENSATED) -> BookingOutcome:
        """Run every compensation (newest first), then record how the saga ended."""
        self._set_state(SagaState.COMPENSATING)

        def done(name: str) -> None:
            self._steps.append(SagaStep(name=name, service="compensation", status=StepStatus.COMPENSATED,
                                        timestamp=workflow.now()))

        await self._saga.compensate(done)
        self._outcome = outcome
        self._set_state(end)
        # Let a running update handler answer before the workflow completes.
        await workflow.wait_condition(workflow.all_handlers_finished)
        return BookingOutcome(booking_id=self._input.booking_id, state=self._state, outcome=outcome)

    def _set_state(self, state: SagaState) -> None:
        self._state = state
        workflow.upsert_search_attributes([SAGA_STATE.value_set(state.value)])
