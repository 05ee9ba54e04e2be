"""The payment use cases that call a gateway, each in three steps and never inside a transaction:

1. a short transaction commits what we know (the payment row, the refund with its gateway ref), keyed so a
   retry finds it again;
2. the gateway is called with no transaction open (and no row lock held);
3. a second short transaction locks the row again and records the answer, unless a concurrent caller
   recorded one first (then that answer stands and this one is ignored). Its events are written there.

A retry, or a second caller at the same time, repeats the gateway call with the same ids (payment id, refund
gateway ref), so the gateway does the thing once (VNPay signs a URL, MoMo replays by requestId, ZaloPay and VNPay
refunds are keyed by m_refund_id / vnp_RequestId); recording happens once because of step 3.

`transaction` opens one unit of work (commit on success, roll back on error): the activity's
`unit_of_work(sessionmaker)`, or the route's. `also` runs inside the recording transaction (saga steps).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.payments import rules
from domain.payments import service as payments_service
from domain.payments.errors import GatewayUnavailable
from domain.payments.gateway import GatewayResult
from domain.payments.models import Payment, PaymentMethod, PaymentStatus, Refund
from domain.payments.repository import PaymentsRepository
from domain.payments.service import Gateways, Settlement, gateway_for

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]
Also = Callable[[AsyncSession], Awaitable[None]]


async def _nothing(session: AsyncSession) -> None:
    return None


async def start_online(transaction: Transaction, gateways: Gateways, *, booking_id: uuid.UUID, user_id: uuid.UUID,
                       amount: int, method: PaymentMethod, client_ip: str, now: datetime, ttl: timedelta,
                       expires_at: datetime | None = None, description: str | None = None,
                       also: Also = _nothing) -> tuple[Payment, bool]:
    """Open a gateway order for the booking (idempotent on booking id). Second item: created now?"""
    async with transaction() as session:
        payment, created = await payments_service.open_online(
            session, gateways, booking_id=booking_id, user_id=user_id, amount=amount, method=method,
            client_ip=client_ip, now=now, ttl=ttl, expires_at=expires_at, description=description)
    if payment.pay_url is None and payment.status is PaymentStatus.PENDING:
        checkout = await gateway_for(gateways, payment.method).create(
            payments_service.checkout_order(payment, description))
        async with transaction() as session:
            payment, _ = await payments_service.record_checkout(session, payment_id=payment.id, checkout=checkout)
            await also(session)
    return payment, created


async def _ask(gateways: Gateways, payment: Payment, now: datetime) -> GatewayResult:
    return await gateway_for(gateways, payment.method).query(payments_service.payment_ref(payment), now=now)


async def _pending(transaction: Transaction, payment_id: uuid.UUID) -> Payment | None:
    async with transaction() as session:
        payment = await payments_service.payment_or_404(PaymentsRepository(session), payment_id)
    return payment if payment.status is PaymentStatus.PENDING and payment.method.online else None


async def settle(transaction: Transaction, gateways: Gateways, *, payment_id: uuid.UUID, give_up: bool,
                 now: datetime, reason: str = rules.EXPIRED) -> Settlement:
    """Ask the gateway about a pending payment (no IPN came) and record what it says (service.record_query)."""
    payment = await _pending(transaction, payment_id)
    result = await _ask(gateways, payment, now) if payment is not None else None
    async with transaction() as session:
        return await payments_service.record_query(session, payment_id=payment_id, result=result,
                                                   give_up=give_up, now=now, reason=reason)


async def settle_booking(transaction: Transaction, gateways: Gateways, *, booking_id: uuid.UUID,
                         now: datetime) -> Payment | None:
    """The saga's deadline question: the booking's payment after asking the gateway if it is pending."""
    async with transaction() as session:
        payment = await PaymentsRepository(session).live_payment_of(booking_id)
    if payment is None or payment.status is not PaymentStatus.PENDING:
        return payment
    return (await settle(transaction, gateways, payment_id=payment.id, give_up=False, now=now)).payment


async def cancel_booking_payment(transaction: Transaction, gateways: Gateways, *, booking_id: uuid.UUID,
                                 now: datetime, also: Also = _nothing) -> Settlement:
    """Compensation: a pending payment is asked about once more, then given up (service.record_cancellation)."""
    async with transaction() as session:
        payment = await PaymentsRepository(session).live_payment_of(booking_id)
    result = None
    if payment is not None and payment.status is PaymentStatus.PENDING and payment.method.online:
        try:
            result = await _ask(gateways, payment, now)
        except GatewayUnavailable:  # give up without asking: a late IPN is refunded when it comes
            result = None
    async with transaction() as session:
        settlement = await payments_service.record_cancellation(session, booking_id=booking_id, result=result,
                                                                now=now)
        await also(session)
    return settlement


async def advance_refund(transaction: Transaction, gateways: Gateways, *, refund_id: uuid.UUID,
                         now: datetime) -> Refund:
    """Move a refund on: send a Pending one (again: same ids, so never twice), ask about an Approved one."""
    async with transaction() as session:
        refund, order = await payments_service.prepare_refund(session, gateways, refund_id=refund_id, now=now)
        payment = await payments_service.payment_or_404(PaymentsRepository(session), refund.payment_id)
    if order is None:
        return refund
    answer = await payments_service.send_refund(gateways, payment.method, refund.status, order, now=now)
    async with transaction() as session:
        return await payments_service.record_refund_answer(session, refund_id=refund_id, asked=refund.status,
                                                           answer=answer, now=now)
