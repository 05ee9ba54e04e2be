"""Payment activities: the payments port the booking saga calls by name (domain/bookings/payment_port.py).

Every one is idempotent on its key: the booking id (start, settle, cancel) or the refund id (refund,
refund status), so Temporal's retries never charge or refund twice. No gateway is called inside a
transaction (domain/payments/calls.py): what we know is committed first, the answer recorded in a second
short transaction; what must follow (the saga hearing of a payment, a refund workflow) are events written
in those transactions.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import AbstractAsyncContextManager, contextmanager
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.errors import as_application_error
from domain.bookings import payment_port as port
from domain.contracts.events import Topic
from domain.payments import calls as payments_calls
from domain.payments import service as payments_service
from domain.payments.errors import GatewayUnavailable, InvalidPaymentInput
from domain.payments.gateway import PaymentGateway
from domain.payments.models import PaymentMethod, PaymentStatus, Refund, RefundStatus
from domain.shared.saga_events import saga_step
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work

_STARTED = {PaymentStatus.SUCCESS: port.SettlementStatus.SUCCESS, PaymentStatus.PENDING: port.SettlementStatus.PENDING}
_REFUNDED = {RefundStatus.COMPLETED: port.SettlementStatus.SUCCESS, RefundStatus.REJECTED: port.SettlementStatus.FAILED}


@contextmanager
def _retry_while_unavailable() -> Iterator[None]:
    """A gateway that is down (or whose circuit is open) is retried by Temporal, with its backoff."""
    try:
        yield
    except GatewayUnavailable as e:
        raise ApplicationError(e.message, {"status": e.status_code, "details": e.details}, type=e.code) from e


def _method(name: str) -> PaymentMethod:
    try:
        return PaymentMethod(name)
    except ValueError as e:
        raise InvalidPaymentInput(f"Unknown payment method {name!r}.",
                                  {"methods": [m.value for m in PaymentMethod]}) from e


def _refund_result(refund: Refund) -> port.RefundResult:
    return port.RefundResult(refund_id=refund.id, status=_REFUNDED.get(refund.status, port.SettlementStatus.PENDING),
                             detail=refund.failure_reason)


SERVICE = "payments"


class PaymentActivities:
    def __init__(self, sessionmaker: SessionMaker, gateways: Mapping[PaymentMethod, PaymentGateway], *,
                 pay_ttl: timedelta) -> None:
        self._sessionmaker, self._gateways = sessionmaker, gateways
        self._pay_ttl = pay_ttl

    def _transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        return unit_of_work(self._sessionmaker)

    @activity.defn(name=port.START_PAYMENT)
    async def start_payment(self, input: port.StartPaymentInput) -> port.PaymentStarted:
        """Open the booking's payment at its gateway, or record a counter payment (Success at once)."""
        with as_application_error():
            method = _method(input.method)

            async def completed(session: AsyncSession) -> None:
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id,
                                step="process_payment", service=SERVICE)

            if method.online:
                payment, _ = await payments_calls.start_online(
                    self._transaction, self._gateways, booking_id=input.booking_id, user_id=input.user_id,
                    amount=input.amount, method=method, client_ip="127.0.0.1", now=utcnow(), ttl=self._pay_ttl,
                    expires_at=input.expires_at, description=input.description, also=completed)
            else:
                async with self._transaction() as session:
                    payment, _ = await payments_service.record_counter(
                        session, booking_id=input.booking_id, user_id=input.user_id, amount=input.amount,
                        method=method, reference=input.reference, staff_id=input.recorded_by, now=utcnow())
                    await completed(session)
        return port.PaymentStarted(payment_id=payment.id, payment_url=payment.pay_url,
                                   status=_STARTED.get(payment.status, port.SettlementStatus.FAILED))

    @activity.defn(name=port.CANCEL_PAYMENT)
    async def cancel_payment(self, booking_id: uuid.UUID) -> None:
        """Compensates start_payment: give a pending payment up; money that arrived anyway is refunded
        (event payment.refund.requested, in the same transaction, starts its RefundWorkflow)."""
        with as_application_error():
            async def compensated(session: AsyncSession) -> None:
                await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=booking_id, step="cancel_payment",
                                service=SERVICE)

            await payments_calls.cancel_booking_payment(self._transaction, self._gateways, booking_id=booking_id,
                                                        now=utcnow(), also=compensated)

    @activity.defn(name=port.SETTLE_PAYMENT)
    async def settle_payment(self, booking_id: uuid.UUID) -> port.PaymentSettlement:
        """No IPN by the deadline: ask the gateway, record its answer, and report the payment's state."""
        with as_application_error(), _retry_while_unavailable():  # the inner one sees the gateway first
            payment = await payments_calls.settle_booking(self._transaction, self._gateways,
                                                          booking_id=booking_id, now=utcnow())
        if payment is None:
            return port.PaymentSettlement(booking_id=booking_id, payment_id=None,
                                          status=port.SettlementStatus.PENDING)
        status = _STARTED.get(payment.status, port.SettlementStatus.FAILED)
        return port.PaymentSettlement(booking_id=booking_id, payment_id=payment.id, status=status,
                                      amount=payment.paid_amount or 0)

    @activity.defn(name=port.REFUND_PAYMENT)
    async def refund_payment(self, input: port.RefundPaymentInput) -> port.RefundResult:
        """Refund (part of) the booking's payment, keyed by refund_id; Pending: ask refund_status later."""
        with as_application_error():
            async with self._transaction() as session:  # recorded before the gateway hears of it
                refund = await payments_service.refund_booking(
                    session, booking_id=input.booking_id, refund_id=input.refund_id, amount=input.amount,
                    reason=input.reason, now=utcnow())
            refund = await payments_calls.advance_refund(self._transaction, self._gateways, refund_id=refund.id,
                                                         now=utcnow())
        return _refund_result(refund)

    @activity.defn(name=port.REFUND_STATUS)
    async def refund_status(self, input: port.RefundPaymentInput) -> port.RefundResult:
        """Where the refund stands: a pending one is sent again, one the gateway processes is asked about."""
        return await self.refund_payment(input)
