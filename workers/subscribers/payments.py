"""The payments service finishes its refunds in Temporal: payment.refund.requested → RefundWorkflow
`refund-{refundId}`, which calls refund_payment/refund_status until the gateway is done."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from domain.bookings import saga_summary
from domain.bookings.refunds import RefundInput
from domain.contracts.events import EventEnvelope, RefundRequested, Topic
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import refund_workflow_id
from infra.events.consumer import Subscription
from workers.subscribers import temporal_call
from workflows.search_attributes import refund_attributes


def refunds(temporal: Client, *, refund_poll: timedelta) -> Subscription:
    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, RefundRequested)
        async with temporal_call(f"starting refund {data.refund_id}"):
            await temporal.start_workflow(
                "RefundWorkflow", RefundInput(refund_id=data.refund_id, booking_id=data.booking_id,
                                              amount=data.amount, reason=data.reason,
                                              payment_queue=TaskQueue.PAYMENTS, notify=data.flag is not None,
                                              poll_seconds=max(int(refund_poll.total_seconds()), 1)),
                id=refund_workflow_id(data.refund_id), task_queue=TaskQueue.BOOKINGS,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                static_summary=saga_summary.refund_summary(data.amount, data.reason),
                search_attributes=refund_attributes(data.booking_id))

    return Subscription(group="payments.refunds", schema="payments", topics=(Topic.PAYMENT_REFUND_REQUESTED,),
                        handle=handle)
