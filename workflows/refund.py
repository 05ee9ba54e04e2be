"""RefundWorkflow (id `refund-{refundId}`): give money back through the payments service until it is done.

Some gateways refund asynchronously (ZaloPay): the workflow then polls the refund's status on a durable
timer. A refund the gateway refuses, or that stays pending too long, is escalated: the SagaState search
attribute becomes REFUND_ESCALATED (Managers list them) and the workflow waits for a Manager to retry it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

from workflows.search_attributes import SAGA_STATE

with workflow.unsafe.imports_passed_through():
    from activities.bookings import BookingActivities
    from activities.notifications import NotificationActivities
    from domain.bookings import payment_port as pay
    from domain.bookings.refunds import RefundInput, RefundNotice, RefundOutcome
    from domain.contracts.queues import TaskQueue
    from domain.contracts.saga_states import SagaState
    from domain.contracts.workflow_ids import refund_workflow_id

CALL = dict(start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=10))

# Sagas used to start their RefundWorkflow as `refund-{bookingId}` (one refund per booking, and not the id
# payments uses); those started before this patch keep that id when they replay.
REFUND_ID_PATCH = "refund-workflow-id-by-refund"


def child_refund_id(refund_id: uuid.UUID, booking_id: uuid.UUID) -> str:
    """The id a saga (booking, cancellation) gives the RefundWorkflow it starts. Call it in workflow code only."""
    if workflow.patched(REFUND_ID_PATCH):
        return refund_workflow_id(refund_id)
    return f"refund-{booking_id}"  # the id before REFUND_ID_PATCH


@workflow.defn
class RefundWorkflow:
    def __init__(self) -> None:
        self._retry = False
        self._state = SagaState.REFUNDING

    @workflow.run
    async def run(self, input: RefundInput) -> RefundOutcome:
        attempt = 0
        while True:
            attempt += 1
            result = await self._refund_once(input)
            if result.status is pay.SettlementStatus.SUCCESS:
                self._set(SagaState.REFUNDED)
                if input.notify:
                    await self._tell_customer(input)
                return RefundOutcome(refund_id=input.refund_id, status="Refunded", attempts=attempt)
            self._set(SagaState.REFUND_ESCALATED)
            workflow.metric_meter().create_counter(
                "cinema_refunds_escalated", "Refunds the gateway would not finish, waiting for a Manager").add(1)
            # A Manager looks at it (GET /api/bookings/refunds/stuck) and asks for another try.
            await workflow.wait_condition(lambda: self._retry)
            self._retry = False
            self._set(SagaState.REFUNDING)

    async def _refund_once(self, input: RefundInput) -> pay.RefundResult:
        request = pay.RefundPaymentInput(booking_id=input.booking_id, refund_id=input.refund_id,
                                         amount=input.amount, reason=input.reason)
        try:
            result = await workflow.execute_activity(pay.REFUND_PAYMENT, request, result_type=pay.RefundResult,
                                                     task_queue=input.payment_queue, **CALL)
        except Exception:  # noqa: BLE001 - the gateway kept failing: escalate, a Manager retries later
            return pay.RefundResult(refund_id=input.refund_id, status=pay.SettlementStatus.FAILED)
        delay = timedelta(seconds=input.poll_seconds)
        for _ in range(input.max_polls):
            if result.status is not pay.SettlementStatus.PENDING:
                return result
            await workflow.sleep(delay)  # a durable timer: survives worker restarts
            delay = min(delay * 2, timedelta(hours=1))
            result = await workflow.execute_activity(pay.REFUND_STATUS, request, result_type=pay.RefundResult,
                                                     task_queue=input.payment_queue, **CALL)
        return result if result.status is not pay.SettlementStatus.PENDING else pay.RefundResult(
            refund_id=input.refund_id, status=pay.SettlementStatus.FAILED, detail="still pending")

    async def _tell_customer(self, input: RefundInput) -> None:
        """An automatic refund (e.g. a payment that came after the hold ended): say so, best effort."""
        try:
            mail = await workflow.execute_activity_method(
                BookingActivities.compose_refund_notice,
                RefundNotice(booking_id=input.booking_id, amount=input.amount, reason=input.reason),
                task_queue=TaskQueue.BOOKINGS, **CALL)
            if mail is not None:
                await workflow.execute_activity_method(NotificationActivities.send_email, mail,
                                                       task_queue=TaskQueue.NOTIFICATIONS, **CALL)
        except ActivityError:
            workflow.logger.warning("could not mail the refund notice of booking %s", input.booking_id)

    @workflow.signal
    def retry(self) -> None:
        """A Manager asks to try an escalated refund again."""
        self._retry = True

    @workflow.query
    def state(self) -> str:
        return self._state

    def _set(self, state: SagaState) -> None:
        self._state = state
        workflow.upsert_search_attributes([SAGA_STATE.value_set(state.value)])
