"""Use cases of the payments context. Services flush, never commit; gateways come in as arguments.
Nothing here calls a gateway inside a transaction: what must call one is split into the transaction before
(commit what we know) and the one after (record the answer once); domain/payments/calls.py runs the three steps.

Idempotency keys: a payment is keyed by its booking (one live payment per booking; a failed attempt may
be followed by another), a refund by its idempotency key within its payment, and an IPN by the payment's
state (a result already recorded is acknowledged and changes nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts import events
from domain.contracts.events import Topic
from domain.payments import rules
from domain.payments.errors import (
    GatewayRefused,
    GatewayUnavailable,
    IdempotencyKeyReused,
    InvalidPaymentInput,
    PaymentExists,
    PaymentNotFound,
    PaymentNotRefundable,
    RefundExceedsPaid,
)
from domain.payments.gateway import (
    Checkout,
    CheckoutOrder,
    GatewayResult,
    Notice,
    NoticeOutcome,
    PaymentGateway,
    PaymentRef,
    RefundOrder,
    RefundResult,
)
from domain.payments.models import Payment, PaymentFlag, PaymentMethod, PaymentStatus, Refund, RefundStatus
from domain.payments.money import momo_amount_ok
from domain.payments.repository import PaymentsRepository
from domain.shared.outbox import emit

Gateways = Mapping[PaymentMethod, PaymentGateway]


@dataclass
class Settlement:
    """What handling a notice (or a query) did. Its consequences are events in the same transaction:
    payment.success / payment.failed (the booking saga hears of it) and payment.refund.requested
    (RefundWorkflow gives money back)."""

    outcome: NoticeOutcome
    payment: Payment | None = None


def gateway_for(gateways: Gateways, method: PaymentMethod) -> PaymentGateway:
    gateway = gateways.get(method)
    if gateway is None:
        raise GatewayUnavailable(f"{method.value} is not configured on this server.")
    return gateway


async def payment_or_404(repo: PaymentsRepository, payment_id: uuid.UUID, *, for_update: bool = False) -> Payment:
    payment = await repo.payment(payment_id, for_update=for_update)
    if payment is None:
        raise PaymentNotFound("There is no such payment.")
    return payment


def _replay(existing: Payment, *, user_id: uuid.UUID, amount: int, method: PaymentMethod) -> Payment:
    """Return the booking's live payment if this is the same request again, else refuse."""
    if existing.user_id != user_id:
        raise PaymentExists("This booking already has a payment.")
    if existing.method is not method or existing.amount != amount:
        raise PaymentExists("This booking already has a payment with another method or amount.",
                            {"paymentId": str(existing.id), "method": existing.method.value,
                             "amount": existing.amount, "status": existing.status.value})
    return existing


async def _insert_live(session: AsyncSession, payment: Payment) -> Payment | None:
    """Insert the payment, or return None when a concurrent request for the booking won the race."""
    try:
        async with session.begin_nested():
            session.add(payment)
    except IntegrityError:
        return None
    return payment


async def open_online(session: AsyncSession, gateways: Gateways, *, booking_id: uuid.UUID, user_id: uuid.UUID,
                      amount: int, method: PaymentMethod, client_ip: str, now: datetime, ttl: timedelta,
                      expires_at: datetime | None = None, description: str | None = None) -> tuple[Payment, bool]:
    """Record the booking's gateway payment (idempotent on booking id), before the gateway hears of it.
    Second item: created now? The order is opened at the gateway after this commits (calls.start_online)."""
    repo = PaymentsRepository(session)
    existing = await repo.live_payment_of(booking_id)
    if existing is not None:
        return _replay(existing, user_id=user_id, amount=amount, method=method), False
    gateway = gateway_for(gateways, method)
    availability = await gateway.availability()
    if not availability.available:
        raise GatewayUnavailable(f"{method.value} is unavailable right now; try another method.",
                                 retry_after=availability.retry_after, details={"method": method.value})
    requested_at = now.replace(microsecond=0)  # the gateways' timestamps have whole seconds
    payment_id = uuid.uuid4()
    payment = Payment(id=payment_id, booking_id=booking_id, user_id=user_id, amount=amount, method=method,
                      order_ref=gateway.order_ref(payment_id, requested_at), client_ip=client_ip,
                      requested_at=requested_at, expires_at=expires_at or requested_at + ttl)
    gateway.check(checkout_order(payment, description))  # a request its rules refuse is never recorded
    if await _insert_live(session, payment) is None:
        winner = await repo.live_payment_of(booking_id)
        assert winner is not None
        return _replay(winner, user_id=user_id, amount=amount, method=method), False
    return payment, True


def checkout_order(payment: Payment, description: str | None = None) -> CheckoutOrder:
    """What the gateway's create is sent for this payment (the same every time: a retry repeats it)."""
    assert payment.requested_at is not None
    return CheckoutOrder(
        payment_id=payment.id, order_ref=payment.order_ref or "", amount=payment.amount,
        order_info=rules.order_info(payment.booking_id, description), user_ref=payment.user_id.hex,
        client_ip=payment.client_ip, created_at=payment.requested_at, expires_at=payment.expires_at)


async def record_checkout(session: AsyncSession, *, payment_id: uuid.UUID, checkout: Checkout) -> tuple[Payment, bool]:
    """Record the gateway's answer to create, once: a pay URL already recorded (a concurrent caller's) wins
    and this answer is ignored. Second item: recorded now? (payment.initiated is written with it.)"""
    payment = await payment_or_404(PaymentsRepository(session), payment_id, for_update=True)
    if payment.pay_url is not None or payment.status is not PaymentStatus.PENDING:
        return payment, False
    payment.pay_url, payment.gateway_response = checkout.pay_url, checkout.response
    session.add(payment)
    await session.flush()
    await emit(session, Topic.PAYMENT_INITIATED, events.PaymentInitiated(
        payment_id=payment.id, booking_id=payment.booking_id, user_id=payment.user_id, method=payment.method.value,
        amount=payment.amount, expires_at=payment.expires_at), aggregate_id=payment.id)
    return payment, True


async def counter_payment_again(session: AsyncSession, *, booking_id: uuid.UUID, amount: int,
                                method: PaymentMethod) -> Payment | None:
    """The booking's payment if this counter payment was recorded already (None: nothing yet); a payment
    with another method or amount refuses."""
    existing = await PaymentsRepository(session).live_payment_of(booking_id)
    return None if existing is None else _replay(existing, user_id=existing.user_id, amount=amount, method=method)


async def record_counter(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, amount: int,
                         method: PaymentMethod, reference: str | None, staff_id: uuid.UUID | None,
                         now: datetime) -> tuple[Payment, bool]:
    """Record a cash or card payment taken at the counter: successful at once (idempotent on booking id)."""
    repo = PaymentsRepository(session)
    existing = await repo.live_payment_of(booking_id)
    if existing is not None:
        return _replay(existing, user_id=user_id, amount=amount, method=method), False
    payment = Payment(booking_id=booking_id, user_id=user_id, amount=amount, method=method,
                      status=PaymentStatus.SUCCESS, transaction_id=reference, paid_amount=amount,
                      recorded_by=staff_id, expires_at=now, paid_at=now)
    if await _insert_live(session, payment) is None:
        winner = await repo.live_payment_of(booking_id)
        assert winner is not None
        return _replay(winner, user_id=user_id, amount=amount, method=method), False
    await _emit_settled(session, payment, now)
    return payment, True


async def _emit_settled(session: AsyncSession, payment: Payment, now: datetime) -> None:
    """payment.success or payment.failed (and the revenue it brings)."""
    settled = events.PaymentSettled(
        payment_id=payment.id, booking_id=payment.booking_id, user_id=payment.user_id, method=payment.method.value,
        status=payment.status.value, amount=payment.amount, transaction_id=payment.transaction_id, settled_at=now)
    success = payment.status is PaymentStatus.SUCCESS
    await emit(session, Topic.PAYMENT_SUCCESS if success else Topic.PAYMENT_FAILED, settled, aggregate_id=payment.id)
    if success:
        await emit(session, Topic.ANALYTICS_REVENUE, events.AnalyticsRevenue(
            payment_id=payment.id, booking_id=payment.booking_id, method=payment.method.value,
            amount=payment.paid_amount or payment.amount, at=now), aggregate_id=payment.id)


async def _hand_over(session: AsyncSession, payment: Payment, refund: Refund, *,
                     flag: PaymentFlag | None = None) -> None:
    """payment.refund.requested: RefundWorkflow `refund-{refundId}` finishes what the gateway has not."""
    await emit(session, Topic.PAYMENT_REFUND_REQUESTED, events.RefundRequested(
        refund_id=refund.id, payment_id=payment.id, booking_id=payment.booking_id, amount=refund.amount,
        reason=refund.reason, flag=flag.value if flag else None), aggregate_id=payment.id)


async def _emit_refunded(session: AsyncSession, payment: Payment, refund: Refund, now: datetime) -> None:
    await emit(session, Topic.PAYMENT_REFUNDED, events.PaymentRefunded(
        refund_id=refund.id, payment_id=payment.id, booking_id=payment.booking_id, amount=refund.amount,
        refunded_at=now, fully_refunded=payment.status is PaymentStatus.REFUNDED, user_id=payment.user_id,
        paid_amount=payment.paid_amount, refunded_total=payment.refunded_amount), aggregate_id=payment.id)
    await emit(session, Topic.ANALYTICS_REVENUE, events.AnalyticsRevenue(
        payment_id=payment.id, booking_id=payment.booking_id, method=payment.method.value, amount=-refund.amount,
        at=now), aggregate_id=payment.id)


async def _apply(session: AsyncSession, payment: Payment, result: GatewayResult, now: datetime) -> Settlement:
    """Apply a gateway result to a locked payment; money we do not keep gets an automatic refund."""
    decision = rules.decide(status=payment.status, amount=payment.amount, transaction_id=payment.transaction_id,
                            result=result)
    settlement = Settlement(decision.outcome, payment)
    if not decision.changes:
        return settlement
    if decision.record_money:
        payment.transaction_id, payment.paid_amount, payment.paid_at = result.transaction_id, result.amount, now
    if decision.flag is not None:
        payment.flag = decision.flag
    if decision.status is not None:
        payment.status = decision.status
        if decision.status is PaymentStatus.FAILED:
            payment.failure_reason = decision.flag.value if decision.flag else f"GATEWAY_{result.code}"
        await _emit_settled(session, payment, now)
    payment.gateway_response = result.fields
    session.add(payment)
    if decision.refund and decision.flag is not None:
        refund, created = await request_refund(
            session, payment_id=payment.id, key=rules.automatic_refund_key(decision.flag, result.transaction_id),
            amount=decision.refund, reason=f"Automatic refund: {decision.flag.value}", requested_by=None, now=now,
            automatic=True)
        if created:
            await _hand_over(session, payment, refund, flag=decision.flag)
    await session.flush()
    return settlement


async def receive_notice(session: AsyncSession, *, method: PaymentMethod, notice: Notice,
                         now: datetime) -> Settlement:
    """Handle an IPN/callback. A bad signature or an unknown order changes nothing and is not remembered."""
    if not notice.signature_valid or notice.result is None:
        return Settlement(NoticeOutcome.INVALID_SIGNATURE)
    repo = PaymentsRepository(session)
    payment = await repo.payment_by_order_ref(notice.order_ref, for_update=True) if notice.order_ref else None
    if payment is None or payment.method is not method:
        return Settlement(NoticeOutcome.UNKNOWN_ORDER)
    return await _apply(session, payment, notice.result, now)


def payment_ref(payment: Payment) -> PaymentRef:
    assert payment.order_ref is not None and payment.requested_at is not None
    return PaymentRef(payment_id=payment.id, order_ref=payment.order_ref, amount=payment.amount,
                      transaction_id=payment.transaction_id, requested_at=payment.requested_at)


async def record_query(session: AsyncSession, *, payment_id: uuid.UUID, result: GatewayResult | None,
                       give_up: bool, now: datetime, reason: str = rules.EXPIRED) -> Settlement:
    """Record what the gateway said about a pending payment (None: it was not asked, or did not answer). With
    give_up, a payment still unpaid becomes Failed (`reason`): money arriving later is refunded automatically.
    A payment settled meanwhile (an IPN, a concurrent query) keeps its result; this answer is ignored."""
    payment = await payment_or_404(PaymentsRepository(session), payment_id, for_update=True)
    if payment.status is not PaymentStatus.PENDING or not payment.method.online:
        return Settlement(NoticeOutcome.DUPLICATE, payment)
    settlement = Settlement(NoticeOutcome.DUPLICATE, payment)
    if result is not None:
        settlement = await _apply(session, payment, result, now)
    if give_up and payment.status is PaymentStatus.PENDING:
        payment.status, payment.failure_reason = PaymentStatus.FAILED, reason
        session.add(payment)
        await session.flush()
        await _emit_settled(session, payment, now)
    return settlement


async def request_refund(session: AsyncSession, *, payment_id: uuid.UUID, key: str, amount: int | None,
                         reason: str, requested_by: uuid.UUID | None, now: datetime, automatic: bool = False,
                         refund_id: uuid.UUID | None = None) -> tuple[Refund, bool]:
    """Record a refund (idempotent on key within the payment); counter payments complete at once.
    Second item: created now? Commit it before advance_refund calls the gateway."""
    repo = PaymentsRepository(session)
    payment = await payment_or_404(repo, payment_id, for_update=True)
    existing = await repo.refund_by_key(payment.id, key)
    if existing is not None:
        if (amount is not None and existing.amount != amount) or existing.reason != reason:
            raise IdempotencyKeyReused("This idempotency key was used for a different refund.",
                                       {"refundId": str(existing.id)})
        return existing, False
    if not automatic and payment.status is not PaymentStatus.SUCCESS:
        raise PaymentNotRefundable(f"Only a successful payment can be refunded; this one is {payment.status}.")
    left = rules.refundable(payment.paid_amount, [(r.amount, r.status) for r in await repo.refunds_of([payment.id])])
    amount = amount or left
    if amount > left or left == 0:
        raise RefundExceedsPaid(f"At most {left} VND is left to refund.", {"refundable": left})
    if payment.method is PaymentMethod.MOMO and not momo_amount_ok(amount, refund=True):
        raise InvalidPaymentInput("MoMo refunds are at least 1,000 VND.")
    refund = Refund(id=refund_id or uuid.uuid4(), payment_id=payment.id, idempotency_key=key, amount=amount,
                    reason=reason, automatic=automatic, requested_by=requested_by)
    await repo.add(refund)
    if not payment.method.online:  # cash or card handed back at the counter: done when recorded
        _refund_done(payment, refund, RefundStatus.COMPLETED, now)
        await session.flush()
        await _emit_refunded(session, payment, refund, now)
    return refund, True


def _refund_done(payment: Payment, refund: Refund, status: RefundStatus, now: datetime) -> None:
    refund.status, refund.processed_at = status, now
    if status is RefundStatus.COMPLETED:
        payment.refunded_amount += refund.amount
        payment.status = rules.status_after_refund(payment.status, paid_amount=payment.paid_amount,
                                                   refunded_amount=payment.refunded_amount)
    else:
        payment.flag = payment.flag or PaymentFlag.REFUND_REJECTED


async def _locked_refund(repo: PaymentsRepository, refund_id: uuid.UUID) -> tuple[Payment, Refund]:
    """Lock the payment, then the refund (always in this order)."""
    found = await repo.refund(refund_id)
    if found is None:
        raise PaymentNotFound("There is no such refund.")
    payment = await payment_or_404(repo, found.payment_id, for_update=True)
    refund = await repo.refund(refund_id, for_update=True)
    assert refund is not None
    return payment, refund


async def prepare_refund(session: AsyncSession, gateways: Gateways, *, refund_id: uuid.UUID,
                         now: datetime) -> tuple[Refund, RefundOrder | None]:
    """What to send for a refund that is not final yet (None: nothing to send). Its gateway ref is made once
    and committed with this transaction, so every later attempt repeats the same id (never refunded twice)."""
    payment, refund = await _locked_refund(PaymentsRepository(session), refund_id)
    if refund.status.final:
        return refund, None
    gateway = gateway_for(gateways, payment.method)
    refund.gateway_ref = refund.gateway_ref or gateway.refund_ref(refund.id, now)
    session.add(refund)
    await session.flush()
    return refund, RefundOrder(refund_id=refund.id, payment=payment_ref(payment), amount=refund.amount,
                               full=refund.amount == payment.paid_amount, reason=refund.reason,
                               requested_by=str(refund.requested_by or "system"), gateway_ref=refund.gateway_ref)


def _record_refund_result(payment: Payment, refund: Refund, result: RefundResult, now: datetime) -> None:
    refund.transaction_id = result.transaction_id or refund.transaction_id
    refund.gateway_response, refund.failure_reason = result.response, None
    if result.status.final:
        if result.status is RefundStatus.REJECTED:
            refund.failure_reason = f"Refused by the gateway (code {result.code})"
        _refund_done(payment, refund, result.status, now)
    else:
        refund.status = result.status


async def send_refund(gateways: Gateways, method: PaymentMethod, status: RefundStatus, order: RefundOrder, *,
                      now: datetime) -> RefundResult | GatewayUnavailable | GatewayRefused:
    """Send a Pending refund (again: same ids, so never twice), or ask about an Approved one. No transaction
    is open: the answer, or the error standing for it, is recorded by record_refund_answer."""
    gateway = gateway_for(gateways, method)
    try:
        if status is RefundStatus.PENDING:
            return await gateway.refund(order, now=now)
        return await gateway.refund_status(order, now=now)
    except (GatewayUnavailable, GatewayRefused) as e:
        return e


async def record_refund_answer(session: AsyncSession, *, refund_id: uuid.UUID, asked: RefundStatus,
                               answer: RefundResult | GatewayUnavailable | GatewayRefused, now: datetime) -> Refund:
    """Record the gateway's answer about a refund asked about in state `asked`. A refund that moved on
    meanwhile (a concurrent caller recorded its answer first) keeps that answer and this one is ignored.
    A refund stays as it was while its gateway is unavailable; one the gateway refuses is Rejected."""
    payment, refund = await _locked_refund(PaymentsRepository(session), refund_id)
    if refund.status is not asked:
        return refund
    if isinstance(answer, GatewayUnavailable):
        refund.failure_reason = f"{answer.code}: {answer.message}"[:200]
    elif isinstance(answer, GatewayRefused):  # e.g. credentials the gateway does not accept: a person must look
        _refund_done(payment, refund, RefundStatus.REJECTED, now)
        refund.failure_reason = f"{answer.code}: {answer.message}"[:200]
    else:
        _record_refund_result(payment, refund, answer, now)
    session.add_all([payment, refund])
    await session.flush()
    if refund.status is RefundStatus.COMPLETED:
        await _emit_refunded(session, payment, refund, now)
    return refund


async def hand_over_unfinished(session: AsyncSession, *, refund: Refund) -> None:
    """A refund the gateway has not finished goes to its RefundWorkflow (a final one needs nothing)."""
    if not refund.status.final:
        await _hand_over(session, await payment_or_404(PaymentsRepository(session), refund.payment_id), refund)


async def record_cancellation(session: AsyncSession, *, booking_id: uuid.UUID, result: GatewayResult | None,
                              now: datetime) -> Settlement:
    """Compensation: the booking will not take its payment. A pending one is given up (Failed, CANCELLED) after
    `result`, the gateway's last word (None: it could not be asked: a late IPN is refunded when it comes);
    money that arrived anyway is refunded automatically (LatePayment)."""
    payment = await PaymentsRepository(session).live_payment_of(booking_id)
    if payment is None:
        return Settlement(NoticeOutcome.DUPLICATE)
    settlement = await record_query(session, payment_id=payment.id, result=result, give_up=True, now=now,
                                    reason=rules.CANCELLED)
    payment = settlement.payment or payment
    if payment.status is PaymentStatus.SUCCESS:
        flag = PaymentFlag.LATE_PAYMENT
        payment.flag = payment.flag or flag
        refund, created = await request_refund(
            session, payment_id=payment.id, key=rules.automatic_refund_key(flag, payment.transaction_id),
            amount=None, reason=f"Automatic refund: {flag.value}", requested_by=None, now=now, automatic=True)
        if created and not refund.status.final:
            await _hand_over(session, payment, refund, flag=flag)
    return settlement


async def refund_booking(session: AsyncSession, *, booking_id: uuid.UUID, refund_id: uuid.UUID, amount: int,
                         reason: str, now: datetime) -> Refund:
    """The saga's refund: the refund `refund_id` if it is recorded already (automatic refunds start the
    refund workflow with their own id), else a new one of the booking's payment, keyed by refund_id."""
    repo = PaymentsRepository(session)
    existing = await repo.refund(refund_id)
    if existing is not None:
        return existing
    payment = await repo.live_payment_of(booking_id)
    if payment is None:
        raise PaymentNotFound("This booking has no payment to refund.")
    refund, _ = await request_refund(session, payment_id=payment.id, key=str(refund_id), amount=amount,
                                     reason=reason, requested_by=None, now=now, automatic=True, refund_id=refund_id)
    return refund
