"""Delivers the payments context's events (domain/payments/hooks.py) through Temporal, after the
transaction that produced them has committed. Workflows are addressed by id, signal and type name, so
neither the API nor the payment activities import the booking workflows."""

from __future__ import annotations

import logging
from datetime import timedelta

from temporalio.client import Client
from temporalio.common import (
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.bookings.payment_port import PaymentSettlement, SettlementStatus
from domain.bookings.refunds import RefundInput
from domain.payments.hooks import PaymentSettled, RefundRequested
from domain.payments.models import PaymentStatus
from workflows.queues import TaskQueue
from workflows.search_attributes import refund_attributes

log = logging.getLogger("cinema.payments")

_SETTLEMENT = {PaymentStatus.SUCCESS: SettlementStatus.SUCCESS, PaymentStatus.PENDING: SettlementStatus.PENDING}


def settlement_of(event: PaymentSettled) -> PaymentSettlement:
    """The payments port's view of a settled payment (anything but Success or Pending is Failed)."""
    return PaymentSettlement(booking_id=event.booking_id, payment_id=event.payment_id,
                             status=_SETTLEMENT.get(event.status, SettlementStatus.FAILED), amount=event.amount)


class PaymentHooks:
    def __init__(self, temporal: Client, *, refund_poll: timedelta) -> None:
        self._temporal, self._refund_poll = temporal, refund_poll

    async def deliver(self, *, settled: PaymentSettled | None, refunds: list[RefundRequested]) -> None:
        """Tell the booking saga, then start the refunds; a failure is logged, never raised: the payment
        is committed, and the saga asks for it at its deadline anyway (settle_payment)."""
        if settled is not None:
            await self.payment_settled(settled)
        for refund in refunds:
            await self.refund_requested(refund)

    async def payment_settled(self, event: PaymentSettled) -> None:
        """Signal `payment_settled` to `booking-{bookingId}`; a payment without a saga is fine."""
        handle = self._temporal.get_workflow_handle(f"booking-{event.booking_id}")
        try:
            await handle.signal("payment_settled", settlement_of(event))
        except RPCError as e:
            if e.status is not RPCStatusCode.NOT_FOUND:
                log.exception("could not tell booking %s about payment %s", event.booking_id, event.payment_id)

    async def refund_requested(self, event: RefundRequested) -> None:
        """Start RefundWorkflow `refund-{refundId}`; it calls refund_payment/refund_status until done."""
        try:
            await self._temporal.start_workflow(
                "RefundWorkflow", RefundInput(refund_id=event.refund_id, booking_id=event.booking_id,
                                              amount=event.amount, reason=event.reason,
                                              payment_queue=TaskQueue.PAYMENTS, notify=event.flag is not None,
                                              poll_seconds=max(int(self._refund_poll.total_seconds()), 1)),
                id=f"refund-{event.refund_id}", task_queue=TaskQueue.BOOKINGS,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=refund_attributes(event.booking_id))
        except WorkflowAlreadyStartedError:
            pass
        except RPCError:
            log.exception("could not start the refund %s of payment %s", event.refund_id, event.payment_id)
