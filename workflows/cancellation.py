"""CancellationWorkflow (id `cancellation-{bookingId}`): cancel a paid booking by policy and give money back.

The API starts it with update-with-start: the `cancel` update decides the refund (policy, or a staff override
with a reason), cancels the booking and puts its seats back on sale, then answers. The run goes on alone:
the refund (its own RefundWorkflow), the loyalty points it earned, and the mail. Each step is idempotent
and retried until done: once a booking is cancelled there is nothing to compensate, only to finish.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

from workflows.search_attributes import SAGA_STATE, refund_attributes

with workflow.unsafe.imports_passed_through():
    from activities.bookings import BookingActivities
    from activities.notifications import NotificationActivities
    from activities.promotions import PromotionActivities
    from domain.bookings import saga_summary
    from domain.bookings.refunds import RefundInput
    from domain.bookings.schemas import (
        CancelBookingInput,
        CancellationInput,
        CancellationPlan,
        CancelRequest,
        PlanCancellationInput,
        Requester,
        ShowtimeRefundsInput,
    )
    from domain.contracts.queues import TaskQueue
    from domain.contracts.saga_states import SagaState
    from domain.contracts.workflow_ids import cancellation_workflow_id
    from domain.promotions.schemas import LoyaltyInput
    from workflows.refund import RefundWorkflow, child_refund_id
    from workflows.saga import DURABLE, INTERACTIVE, refusal



# Cancellations before this patch had no loyalty points spent on their bookings to give back.
RESTORE_POINTS_PATCH = "cancellation-restores-points"
# Cancellations before this patch took back every point the booking earned, whatever share was refunded.
CLAWBACK_PATCH = "cancellation-revokes-refunded-share"


@workflow.defn
class CancellationWorkflow:
    @workflow.init
    def __init__(self, input: CancellationInput) -> None:
        self._input = input
        self._plan: CancellationPlan | None = None
        self._refused = False
        self._reason = ""
        self._busy = asyncio.Lock()

    @workflow.run
    async def run(self, input: CancellationInput) -> CancellationPlan | None:
        if input.request is not None:  # started without a waiting caller (a cancelled showtime's bookings)
            try:
                await self.cancel(input.request)
            except ApplicationError as refusal:
                workflow.logger.warning("booking %s not cancelled: %s", input.booking_id, refusal)
        await workflow.wait_condition(lambda: self._plan is not None or self._refused)
        plan = self._plan
        if plan is None:
            self._set(SagaState.FAILED)
            return None
        if plan.refund_amount:
            refund_id = workflow.uuid4()
            await workflow.start_child_workflow(
                RefundWorkflow.run, RefundInput(refund_id=refund_id, booking_id=plan.booking_id,
                                                amount=plan.refund_amount, reason=f"cancelled: {self._reason}",
                                                payment_queue=input.payment_queue),
                id=child_refund_id(refund_id, plan.booking_id), task_queue=TaskQueue.BOOKINGS,
                parent_close_policy=ParentClosePolicy.ABANDON,
                static_summary=saga_summary.refund_summary(plan.refund_amount, f"cancelled: {self._reason}"),
                search_attributes=refund_attributes(plan.booking_id))
        # Earned points go back in the share of the refund (before the patch: all of them, whatever the share).
        revoked = plan.refund_percent if workflow.patched(CLAWBACK_PATCH) else 100
        await workflow.execute_activity_method(
            PromotionActivities.revoke_points, LoyaltyInput(user_id=plan.user_id, booking_id=plan.booking_id,
                                                            refund_percent=revoked),
            task_queue=TaskQueue.PROMOTIONS, **DURABLE)
        if workflow.patched(RESTORE_POINTS_PATCH):  # points it spent come back in the share the money does
            await workflow.execute_activity_method(
                PromotionActivities.restore_points, LoyaltyInput(user_id=plan.user_id, booking_id=plan.booking_id,
                                                                 refund_percent=plan.refund_percent),
                task_queue=TaskQueue.PROMOTIONS, **DURABLE)
        mail = await workflow.execute_activity_method(
            BookingActivities.compose_cancellation, CancelBookingInput(plan=plan, reason=self._reason),
            task_queue=TaskQueue.BOOKINGS, **DURABLE)
        await workflow.execute_activity_method(NotificationActivities.send_email, mail,
                                               task_queue=TaskQueue.NOTIFICATIONS, **DURABLE)
        self._set(SagaState.COMPLETED)
        return plan

    @workflow.update
    async def cancel(self, request: CancelRequest) -> CancellationPlan:
        """Decide and cancel; repeating it answers the same plan."""
        async with self._busy:
            if self._plan is not None:
                return self._plan
            try:
                plan = await workflow.execute_activity_method(
                    BookingActivities.plan_cancellation,
                    PlanCancellationInput(booking_id=self._input.booking_id, request=request),
                    task_queue=TaskQueue.BOOKINGS, **INTERACTIVE)
            except ActivityError as e:
                self._refused = True
                raise refusal(e, "CANCEL_FAILED") from e
            self._reason = request.reason or ("by the customer" if not request.requester.is_staff else "by staff")
            try:
                await workflow.execute_activity_method(
                    BookingActivities.cancel_booking, CancelBookingInput(plan=plan, reason=self._reason),
                    task_queue=TaskQueue.BOOKINGS, **DURABLE)
            except ActivityError as e:  # the ticket was scanned at the door since the plan: nothing changed
                self._refused = True
                raise refusal(e, "CANCEL_FAILED") from e
            self._plan = plan
            self._set(SagaState.BOOKING_CANCELLED)
            return plan

    def _set(self, state: SagaState) -> None:
        workflow.upsert_search_attributes([SAGA_STATE.value_set(state.value)])


@workflow.defn
class ShowtimeRefundsWorkflow:
    """A cancelled showtime (id `showtime-refunds-{showtimeId}`): every booking of it cancelled with a full
    refund, each in its own CancellationWorkflow, started once and durably even if the API dies meanwhile."""

    @workflow.run
    async def run(self, input: ShowtimeRefundsInput) -> int:
        request = CancelRequest(requester=Requester(user_id=input.cancelled_by, is_staff=True),
                                reason=input.reason, override_percent=100)
        started = 0
        for booking_id in input.booking_ids:
            try:
                await workflow.start_child_workflow(
                    CancellationWorkflow.run, CancellationInput(booking_id=booking_id, request=request,
                                                                payment_queue=input.payment_queue),
                    id=cancellation_workflow_id(booking_id), task_queue=TaskQueue.BOOKINGS,
                    parent_close_policy=ParentClosePolicy.ABANDON)
                started += 1
            except WorkflowAlreadyStartedError:  # the customer was cancelling it already
                continue
        return started
