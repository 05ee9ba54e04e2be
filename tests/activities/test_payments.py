"""The payments port the booking saga calls (activities/payments.py), run with the production adapters
against the simulators, the real PostgreSQL and, for the refunds they start, the real Temporal server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis
from sqlalchemy import text
from sqlmodel import select
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.payments import PaymentActivities
from domain.bookings import payment_port as port
from domain.payments.models import Payment
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from infra.gateways.breaker import CircuitBreaker
from infra.gateways.factory import build_gateways, payment_settings
from infra.gateways.journal import MessageJournal
from infra.settings import Settings
from tests.payments_support import (
    AMOUNT,
    act,
    eventually,
    payment_row,
    payments_of_booking,
    refunds_of,
    set_faults,
)

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture(autouse=True)
async def clean_sandbox(sandbox: httpx.AsyncClient, redis: Redis) -> AsyncIterator[None]:
    yield
    await sandbox.delete("/sandbox/faults")
    keys = [key async for key in redis.scan_iter("payments:breaker:*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
def payments(settings: Settings, redis: Redis, sessionmaker: SessionMaker) -> PaymentActivities:
    config = payment_settings(settings)
    gateways = build_gateways(config, redis=redis, journal=MessageJournal(sessionmaker))
    return PaymentActivities(sessionmaker, gateways, pay_ttl=config.pay_ttl)


@pytest.fixture
def env(temporal: Client) -> ActivityEnvironment:
    return ActivityEnvironment(client=temporal)


def start_input(method: str, booking_id: uuid.UUID | None = None) -> port.StartPaymentInput:
    booking_id = booking_id or uuid.uuid4()
    return port.StartPaymentInput(booking_id=booking_id, user_id=uuid.uuid4(), amount=AMOUNT, method=method,
                                  expires_at=utcnow() + timedelta(minutes=10),
                                  description=f"Cinema booking {booking_id}")


async def started(env: ActivityEnvironment, payments: PaymentActivities, method: str) -> tuple[Any, Any]:
    request = start_input(method)
    return request, await env.run(payments.start_payment, request)


def page(payment_id: uuid.UUID, url: str | None) -> dict[str, Any]:
    return {"id": str(payment_id), "payUrl": url}


class TestStartPayment:
    @pytest.mark.parametrize("method", ["VNPay", "MoMo", "ZaloPay"])
    async def test_opens_the_gateway_order_once_per_booking(self, env: ActivityEnvironment,
                                                            payments: PaymentActivities, method: str,
                                                            sessionmaker: SessionMaker) -> None:
        request, first = await started(env, payments, method)
        again = await env.run(payments.start_payment, request)
        assert first.status is port.SettlementStatus.PENDING and first.payment_url
        assert (again.payment_id, again.payment_url) == (first.payment_id, first.payment_url)
        row = await payment_row(sessionmaker, first.payment_id)
        assert row.expires_at == request.expires_at.replace(microsecond=row.expires_at.microsecond)

    async def test_a_counter_payment_is_successful_at_once(self, env: ActivityEnvironment,
                                                           payments: PaymentActivities) -> None:
        _, result = await started(env, payments, "Cash")
        assert (result.status, result.payment_url) == (port.SettlementStatus.SUCCESS, None)

    async def test_an_unknown_method_is_a_refusal_not_a_retry(self, env: ActivityEnvironment,
                                                              payments: PaymentActivities) -> None:
        with pytest.raises(ApplicationError) as refused:
            await env.run(payments.start_payment, start_input("Bitcoin"))
        assert refused.value.non_retryable and refused.value.type == "VALIDATION_ERROR"


class TestSettlePayment:
    async def test_no_ipn_then_the_query_settles(self, client: httpx.AsyncClient,
                                                 sandbox: httpx.AsyncClient, env: ActivityEnvironment,
                                                 payments: PaymentActivities, sessionmaker: SessionMaker) -> None:
        request, result = await started(env, payments, "MoMo")
        row = await payment_row(sessionmaker, result.payment_id)
        await set_faults(sandbox, "MoMo", row.order_ref or "", drop_ipn=True)
        before = await env.run(payments.settle_payment, request.booking_id)
        assert (before.status, before.payment_id) == (port.SettlementStatus.PENDING, result.payment_id)
        await act(client, page(result.payment_id, result.payment_url))
        after = await env.run(payments.settle_payment, request.booking_id)
        assert (after.status, after.amount) == (port.SettlementStatus.SUCCESS, AMOUNT)

    async def test_a_booking_without_a_payment_is_pending(self, env: ActivityEnvironment,
                                                          payments: PaymentActivities) -> None:
        answer = await env.run(payments.settle_payment, uuid.uuid4())
        assert (answer.status, answer.payment_id) == (port.SettlementStatus.PENDING, None)

    async def test_a_gateway_that_is_down_is_retried_by_temporal(self, env: ActivityEnvironment,
                                                                 payments: PaymentActivities,
                                                                 redis: Redis) -> None:
        request, _ = await started(env, payments, "ZaloPay")
        await CircuitBreaker(redis, "zalopay", failures=1, window=timedelta(seconds=30),
                             cooldown=timedelta(seconds=30), trial_timeout=timedelta(seconds=1)).trip()
        with pytest.raises(ApplicationError) as down:
            await env.run(payments.settle_payment, request.booking_id)
        assert down.value.type == "GATEWAY_UNAVAILABLE" and not down.value.non_retryable


class TestCancelPayment:
    async def test_a_pending_payment_is_given_up_and_a_late_payment_refunded(
            self, client: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities,
            sessionmaker: SessionMaker) -> None:
        request, result = await started(env, payments, "VNPay")
        await env.run(payments.cancel_payment, request.booking_id)
        given_up = await payment_row(sessionmaker, result.payment_id)
        assert (given_up.status.value, given_up.failure_reason) == ("Failed", "CANCELLED")
        await env.run(payments.cancel_payment, request.booking_id)  # a compensation may run twice
        await act(client, page(result.payment_id, result.payment_url))  # the customer pays anyway: late IPN
        late = await eventually(lambda: payment_row(sessionmaker, result.payment_id),
                                lambda p: p.refunded_amount == AMOUNT, timeout=40)
        assert (late.status.value, late.flag and late.flag.value, late.paid_amount) == ("Failed", "LatePayment", AMOUNT)
        [refund] = await refunds_of(sessionmaker, result.payment_id)
        assert (refund.status.value, refund.automatic, refund.amount) == ("Completed", True, AMOUNT)

    async def test_money_that_arrived_before_the_compensation_goes_back(
            self, client: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities,
            sessionmaker: SessionMaker) -> None:
        request, result = await started(env, payments, "ZaloPay")
        await act(client, page(result.payment_id, result.payment_url))
        assert (await payment_row(sessionmaker, result.payment_id)).status.value == "Success"
        await env.run(payments.cancel_payment, request.booking_id)
        await env.run(payments.cancel_payment, request.booking_id)
        refunded = await eventually(lambda: payment_row(sessionmaker, result.payment_id),
                                    lambda p: p.status.value == "Refunded", timeout=40)
        assert refunded.flag and refunded.flag.value == "LatePayment"
        assert len(await refunds_of(sessionmaker, result.payment_id)) == 1


class TestRefundPayment:
    async def test_idempotent_on_the_refund_id(self, client: httpx.AsyncClient, env: ActivityEnvironment,
                                               payments: PaymentActivities, sessionmaker: SessionMaker) -> None:
        request, result = await started(env, payments, "VNPay")
        await act(client, page(result.payment_id, result.payment_url))
        refund = port.RefundPaymentInput(booking_id=request.booking_id, refund_id=uuid.uuid4(), amount=AMOUNT,
                                         reason="CONFIRMATION_FAILED")
        first = await env.run(payments.refund_payment, refund)
        again = await env.run(payments.refund_payment, refund)
        status = await env.run(payments.refund_status, refund)
        assert {first.status, again.status, status.status} == {port.SettlementStatus.SUCCESS}
        assert first.refund_id == refund.refund_id
        assert [r.id for r in await refunds_of(sessionmaker, result.payment_id)] == [refund.refund_id]
        assert (await payment_row(sessionmaker, result.payment_id)).status.value == "Refunded"

    async def test_an_asynchronous_refund_is_pending_until_the_gateway_finishes(
            self, client: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities) -> None:
        request, result = await started(env, payments, "ZaloPay")
        await act(client, page(result.payment_id, result.payment_url))
        refund = port.RefundPaymentInput(booking_id=request.booking_id, refund_id=uuid.uuid4(), amount=50_000,
                                         reason="SEATS_LOST")
        assert (await env.run(payments.refund_payment, refund)).status is port.SettlementStatus.PENDING
        done = await eventually(lambda: env.run(payments.refund_status, refund),
                                lambda r: r.status is not port.SettlementStatus.PENDING, timeout=10)
        assert done.status is port.SettlementStatus.SUCCESS

    async def test_a_booking_without_a_payment_is_a_refusal(self, env: ActivityEnvironment,
                                                            payments: PaymentActivities) -> None:
        with pytest.raises(ApplicationError) as refused:
            await env.run(payments.refund_payment, port.RefundPaymentInput(
                booking_id=uuid.uuid4(), refund_id=uuid.uuid4(), amount=1_000, reason="x"))
        assert refused.value.non_retryable and refused.value.type == "PAYMENT_NOT_FOUND"


async def test_a_refund_the_gateway_refuses_is_rejected_and_flagged(
        client: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities, settings: Settings,
        redis: Redis, sessionmaker: SessionMaker) -> None:
    """Keys MoMo does not accept (resultCode 13) are not a passing outage: the refund is Rejected, the
    payment flagged, and the saga's RefundWorkflow escalates it to a Manager."""
    request, result = await started(env, payments, "MoMo")
    await act(client, page(result.payment_id, result.payment_url))
    config = payment_settings(settings)
    wrong = config.model_copy(update={"momo": config.momo.model_copy(update={"secret_key": SecretStr("wrong")})})
    misconfigured = PaymentActivities(sessionmaker, build_gateways(wrong, redis=redis,
                                                                   journal=MessageJournal(sessionmaker)),
                                      pay_ttl=config.pay_ttl)
    refused = await env.run(misconfigured.refund_payment, port.RefundPaymentInput(
        booking_id=request.booking_id, refund_id=uuid.uuid4(), amount=AMOUNT, reason="SEATS_LOST"))
    assert refused.status is port.SettlementStatus.FAILED and "GATEWAY_REFUSED" in (refused.detail or "")
    row = await payment_row(sessionmaker, result.payment_id)
    assert (row.status.value, row.flag and row.flag.value, row.refunded_amount) == ("Success", "RefundRejected", 0)


async def lock_payment_now(sessionmaker: SessionMaker, payment_id: uuid.UUID) -> Payment:
    """Lock the payment row from another transaction, failing at once if anyone holds it."""
    async with unit_of_work(sessionmaker) as session:
        await (await session.connection()).execute(text("SET LOCAL lock_timeout = '300ms'"))
        return (await session.exec(select(Payment).where(Payment.id == payment_id).with_for_update())).one()


async def paid_and_slow(client: httpx.AsyncClient,
                        sandbox: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities,
                        sessionmaker: SessionMaker, method: str, *,
                        delay_ms: int) -> tuple[Any, port.RefundPaymentInput]:
    """A paid payment whose gateway answers slowly from now on, and a full refund of it to send."""
    request, result = await started(env, payments, method)
    await act(client, page(result.payment_id, result.payment_url))
    row = await payment_row(sessionmaker, result.payment_id)
    await set_faults(sandbox, method, row.order_ref or "", delay_ms=delay_ms)
    return result, port.RefundPaymentInput(booking_id=request.booking_id, refund_id=uuid.uuid4(), amount=AMOUNT,
                                           reason="SEATS_LOST")


class TestNoGatewayCallInsideATransaction:
    """Commit what we know, call the gateway with no transaction open, record the answer once."""

    async def test_a_slow_refund_does_not_hold_the_payment_row(
            self, client: httpx.AsyncClient, sandbox: httpx.AsyncClient, env: ActivityEnvironment,
            payments: PaymentActivities, sessionmaker: SessionMaker) -> None:
        result, refund = await paid_and_slow(client, sandbox, env, payments, sessionmaker, "VNPay", delay_ms=3_000)
        sending = asyncio.ensure_future(env.run(payments.refund_payment, refund))
        await asyncio.sleep(1)  # the refund is recorded and the gateway is answering slowly
        assert not sending.done()
        locked = await lock_payment_now(sessionmaker, result.payment_id)  # no lock_timeout: nobody holds it
        assert locked.status.value == "Success"
        [recorded] = await refunds_of(sessionmaker, result.payment_id)
        assert (recorded.id, recorded.status.value) == (refund.refund_id, "Pending") and recorded.gateway_ref
        assert (await sending).status is port.SettlementStatus.SUCCESS
        assert (await payment_row(sessionmaker, result.payment_id)).status.value == "Refunded"

    async def test_a_slow_checkout_commits_the_payment_first(
            self, sandbox: httpx.AsyncClient, env: ActivityEnvironment, payments: PaymentActivities,
            sessionmaker: SessionMaker) -> None:
        response = await sandbox.put("/sandbox/faults", json={"delayMs": 3_000})
        assert response.status_code == 200, response.text
        request = start_input("MoMo")
        opening = asyncio.ensure_future(env.run(payments.start_payment, request))
        await asyncio.sleep(1)
        [payment] = await payments_of_booking(sessionmaker, request.booking_id)
        assert payment.pay_url is None and (await lock_payment_now(sessionmaker, payment.id)).pay_url is None
        started_ = await opening
        assert started_.payment_id == payment.id and started_.payment_url
        assert (await payment_row(sessionmaker, payment.id)).pay_url == started_.payment_url

    async def test_two_refunds_at_once_are_recorded_once(
            self, client: httpx.AsyncClient, sandbox: httpx.AsyncClient, env: ActivityEnvironment,
            payments: PaymentActivities, sessionmaker: SessionMaker) -> None:
        result, refund = await paid_and_slow(client, sandbox, env, payments, sessionmaker, "MoMo", delay_ms=1_000)
        both = await asyncio.gather(env.run(payments.refund_payment, refund), env.run(payments.refund_payment, refund))
        assert {answer.status for answer in both} == {port.SettlementStatus.SUCCESS}
        refunded = await payment_row(sessionmaker, result.payment_id)
        assert (refunded.status.value, refunded.refunded_amount) == ("Refunded", AMOUNT)
        assert [r.id for r in await refunds_of(sessionmaker, result.payment_id)] == [refund.refund_id]
