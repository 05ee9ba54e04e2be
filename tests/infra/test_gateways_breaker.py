"""Timeouts, retries with backoff and the Redis circuit breaker, driven against the simulators' fault
switches over real HTTP; the API's view of an open circuit (GET /api/payments/methods, 503 on create)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from redis.asyncio import Redis

from domain.payments.errors import GatewayUnavailable
from domain.payments.gateway import PaymentGateway, PaymentRef
from domain.payments.models import PaymentMethod
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker
from infra.gateways.breaker import CircuitBreaker, CircuitOpen, CircuitState
from infra.gateways.factory import build_gateways, payment_settings
from infra.gateways.journal import MessageJournal
from infra.gateways.settings import BreakerSettings
from infra.settings import Settings
from tests.payments_support import messages_of, set_faults

COOLDOWN = timedelta(seconds=1)


@pytest.fixture(autouse=True)
async def clean_sandbox(sandbox: httpx.AsyncClient, redis: Redis) -> AsyncIterator[None]:
    yield
    await sandbox.delete("/sandbox/faults")
    keys = [key async for key in redis.scan_iter("payments:breaker:*")]
    if keys:
        await redis.delete(*keys)


def gateways(settings: Settings, redis: Redis, sessionmaker: SessionMaker, *, retries: int = 0,
             timeout: float = 2.0, failures: int = 2, cooldown: timedelta = COOLDOWN,
             vnpay_secret: str | None = None) -> dict[PaymentMethod, PaymentGateway]:
    """The production adapters with test-sized timeouts, retries and breaker (the same Redis keys)."""
    config = payment_settings(settings)
    call = {"timeout": timedelta(seconds=timeout), "retries": retries, "backoff": timedelta(milliseconds=50)}
    vnpay = {**call, **({"hash_secret": SecretStr(vnpay_secret)} if vnpay_secret else {})}
    config = config.model_copy(update={
        "breaker": BreakerSettings(failures=failures, window=timedelta(seconds=60), cooldown=cooldown),
        "vnpay": config.vnpay.model_copy(update=vnpay), "momo": config.momo.model_copy(update=call),
        "zalopay": config.zalopay.model_copy(update=call)})
    return build_gateways(config, redis=redis, journal=MessageJournal(sessionmaker))


def order(ref: str | None = None) -> PaymentRef:
    return PaymentRef(payment_id=uuid.uuid4(), order_ref=ref or uuid.uuid4().hex, amount=150_000,
                      transaction_id=None, requested_at=utcnow().replace(microsecond=0))


class TestCircuitBreaker:
    async def test_opens_at_the_threshold_lets_one_trial_through_then_closes(self, redis: Redis) -> None:
        breaker = CircuitBreaker(redis, f"test-{uuid.uuid4().hex}", failures=3, window=timedelta(seconds=30),
                                 cooldown=timedelta(milliseconds=400), trial_timeout=timedelta(seconds=5))
        for _ in range(2):
            await breaker.acquire()
            await breaker.record_failure()
        assert (await breaker.state())[0] is CircuitState.CLOSED
        await breaker.record_failure()
        state, retry_after = await breaker.state()
        assert state is CircuitState.OPEN and retry_after == 1
        with pytest.raises(CircuitOpen):
            await breaker.acquire()
        await asyncio.sleep(0.5)
        assert (await breaker.state())[0] is CircuitState.HALF_OPEN
        await breaker.acquire()  # the one trial call
        with pytest.raises(CircuitOpen):
            await breaker.acquire()  # everyone else waits for its outcome
        await breaker.record_failure()  # the trial failed: open again at once
        assert (await breaker.state())[0] is CircuitState.OPEN
        await asyncio.sleep(0.5)
        await breaker.acquire()
        await breaker.record_success()
        assert (await breaker.state())[0] is CircuitState.CLOSED
        await breaker.acquire()  # closed: everyone passes again

    async def test_two_processes_see_the_same_state(self, redis: Redis, settings: Settings) -> None:
        """Two breaker objects (as in two workers) over the same keys agree."""
        name = f"test-{uuid.uuid4().hex}"
        one, other = (CircuitBreaker(redis, name, failures=1, window=timedelta(seconds=30), cooldown=COOLDOWN,
                                     trial_timeout=timedelta(seconds=5)) for _ in range(2))
        await one.record_failure()
        assert (await other.state())[0] is CircuitState.OPEN


class TestTimeoutsAndRetries:
    async def test_a_5xx_is_retried_with_backoff_then_reported_unavailable(
            self, sandbox: httpx.AsyncClient, redis: Redis, sessionmaker: SessionMaker, settings: Settings) -> None:
        momo = gateways(settings, redis, sessionmaker, retries=2, failures=10)[PaymentMethod.MOMO]
        ref = order()
        await set_faults(sandbox, "MoMo", ref.order_ref, fail_with_5xx=["query"])
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable, match="HTTP 503"):
            await momo.query(ref, now=utcnow())
        assert time.monotonic() - started >= 0.05 * 0.5 + 0.1 * 0.5  # two backoffs (50 ms, 100 ms, jittered)
        sent = [m for m in await messages_of(sessionmaker, ref.order_ref) if m.direction.value == "Outbound"]
        assert len(sent) == 3  # the first try and two retries, each journaled with its answer

    async def test_the_breaker_stops_the_retries(self, sandbox: httpx.AsyncClient, redis: Redis,
                                                 sessionmaker: SessionMaker, settings: Settings) -> None:
        momo = gateways(settings, redis, sessionmaker, retries=5, failures=2)[PaymentMethod.MOMO]
        ref = order()
        await set_faults(sandbox, "MoMo", ref.order_ref, fail_with_5xx=["query"])
        with pytest.raises(CircuitOpen):
            await momo.query(ref, now=utcnow())
        sent = [m for m in await messages_of(sessionmaker, ref.order_ref) if m.direction.value == "Outbound"]
        assert len(sent) == 2
        answers = [m for m in await messages_of(sessionmaker, ref.order_ref) if m.direction.value == "Inbound"]
        assert {m.http_status for m in answers} == {503}

    async def test_a_slow_gateway_times_out(self, sandbox: httpx.AsyncClient, redis: Redis,
                                            sessionmaker: SessionMaker, settings: Settings) -> None:
        zalopay = gateways(settings, redis, sessionmaker, timeout=0.3)[PaymentMethod.ZALOPAY]
        ref = order(f"{utcnow().strftime('%y%m%d')}_{uuid.uuid4().hex}")
        await set_faults(sandbox, "ZaloPay", ref.order_ref, delay_ms=1500)
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable, match="no answer"):
            await zalopay.query(ref, now=utcnow())
        assert time.monotonic() - started < 1.4
        [answer] = [m for m in await messages_of(sessionmaker, ref.order_ref) if m.direction.value == "Inbound"]
        assert answer.outcome and "Timeout" in answer.outcome

    async def test_an_answer_with_a_bad_signature_is_a_failure(self, redis: Redis, sessionmaker: SessionMaker,
                                                               settings: Settings) -> None:
        """Our secret differs from the simulator's: it refuses the request (97) with a signature we reject."""
        vnpay = gateways(settings, redis, sessionmaker, vnpay_secret="WRONGSECRET00000000000000000000X")
        ref = order()
        with pytest.raises(GatewayUnavailable, match="signature"):
            await vnpay[PaymentMethod.VNPAY].query(ref, now=utcnow())
        [answer] = [m for m in await messages_of(sessionmaker, ref.order_ref) if m.direction.value == "Inbound"]
        assert answer.signature_valid is False and answer.payload and answer.payload["vnp_ResponseCode"] == "97"


class TestBreakerAroundAGateway:
    async def test_opens_says_so_in_the_api_refuses_new_payments_then_closes(
            self, client: httpx.AsyncClient,
            sandbox: httpx.AsyncClient, redis: Redis, sessionmaker: SessionMaker, settings: Settings,
            make_user: Any) -> None:
        # A cooldown long enough that a busy CI machine cannot outlast it between opening the circuit and
        # the refused payment (1 s once did); the close is then awaited, not slept for.
        cooldown = timedelta(seconds=8)
        staff, booking = await make_user(Role.STAFF), uuid.uuid4()
        momo = gateways(settings, redis, sessionmaker, cooldown=cooldown)[PaymentMethod.MOMO]
        ref = order()
        await set_faults(sandbox, "MoMo", ref.order_ref, fail_with_5xx=["query"])
        for _ in range(2):  # two failed calls open the circuit
            with pytest.raises(GatewayUnavailable):
                await momo.query(ref, now=utcnow())
        journaled = len(await messages_of(sessionmaker, ref.order_ref))
        with pytest.raises(CircuitOpen):  # refused at once, without a call
            await momo.query(ref, now=utcnow())
        assert len(await messages_of(sessionmaker, ref.order_ref)) == journaled

        methods = {m["method"]: m for m in (await client.get("/api/payments/methods")).json()}
        retry_after = methods["MoMo"]["retryAfterSeconds"]
        assert methods["MoMo"]["available"] is False and 1 <= retry_after <= 8
        assert methods["VNPay"]["available"] and methods["ZaloPay"]["available"] and methods["Cash"]["available"]
        refused = await client.post("/api/payments/create", headers=staff.headers,
                                    json={"bookingId": str(booking), "amount": 150_000, "method": "MoMo"})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "GATEWAY_UNAVAILABLE"
        assert 1 <= int(refused.headers["retry-after"]) <= retry_after
        history = await client.get("/api/payments/history", headers=staff.headers,
                                   params={"bookingId": str(booking)})
        assert history.json()["total"] == 0

        await sandbox.delete("/sandbox/faults")
        for _ in range(100):  # the cooldown runs out (at most 8 s): half-open, a trial call may go through
            methods = {m["method"]: m for m in (await client.get("/api/payments/methods")).json()}
            if methods["MoMo"]["available"]:
                break
            await asyncio.sleep(0.1)
        assert methods["MoMo"]["available"] is True
        trial = await client.post("/api/payments/create", headers=staff.headers,
                                  json={"bookingId": str(booking), "amount": 150_000, "method": "MoMo"})
        assert trial.status_code == 201, trial.text
        assert (await momo.transport.breaker.state())[0] is CircuitState.CLOSED  # type: ignore[attr-defined]
