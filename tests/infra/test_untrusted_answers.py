"""MoMo and ZaloPay sign no query or refund answer (spec §2.4, §3.5, §4.12), so there is no signature to
check: an answer is believed only if it is about what was asked (issue 11, item 9). A real local HTTP server
stands in for a gateway (or whatever answers in its place) and says "paid" about another order, for another
merchant, or without the transaction a refund would need: the adapter reports the gateway unavailable (ask
again later), never paid. Production also refuses gateway endpoints without TLS
(tests/api/test_production_settings.py)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis

from domain.payments.errors import GatewayUnavailable
from domain.payments.gateway import GatewayState, PaymentGateway, PaymentRef, RefundOrder
from domain.payments.models import PaymentMethod
from domain.shared.time import utcnow
from infra.db import SessionMaker
from infra.gateways.factory import build_gateways, payment_settings
from infra.gateways.journal import MessageJournal
from infra.settings import Settings


class FakeGatewayHost:
    """Answers every POST with `self.answer` (JSON), like a gateway host would."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {}
        self.url = ""

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        body = json.dumps(self.answer).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()


@pytest_asyncio.fixture(loop_scope="session")
async def host() -> AsyncIterator[FakeGatewayHost]:
    fake = FakeGatewayHost()
    server = await asyncio.start_server(fake._handle, "127.0.0.1", 0)
    fake.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    yield fake
    server.close()
    await server.wait_closed()


def gateway(method: PaymentMethod, host: FakeGatewayHost, settings: Settings, redis: Redis,
            sessionmaker: SessionMaker) -> PaymentGateway:
    config = payment_settings(settings)
    call = {"endpoint": host.url, "timeout": timedelta(seconds=2), "retries": 0}
    config = config.model_copy(update={"momo": config.momo.model_copy(update=call),
                                       "zalopay": config.zalopay.model_copy(update=call)})
    return build_gateways(config, redis=redis, journal=MessageJournal(sessionmaker))[method]


def order(ref: str) -> PaymentRef:
    return PaymentRef(payment_id=uuid.uuid4(), order_ref=ref, amount=150_000, transaction_id="4088878653",
                      requested_at=utcnow().replace(microsecond=0))


def momo_paid(settings: Settings, **changes: Any) -> dict[str, Any]:
    answer = {"partnerCode": payment_settings(settings).momo.partner_code, "orderId": "asked",
              "requestId": uuid.uuid4().hex, "amount": 150_000, "transId": 4088878653, "resultCode": 0,
              "message": "Successful.", "responseTime": 1, "refundTrans": []}
    return {**answer, **changes}


class TestMomo:
    async def test_the_answer_about_the_order_asked_is_believed(
            self, host: FakeGatewayHost, settings: Settings, redis: Redis, sessionmaker: SessionMaker) -> None:
        host.answer = momo_paid(settings)
        momo = gateway(PaymentMethod.MOMO, host, settings, redis, sessionmaker)
        assert (await momo.query(order("asked"), now=utcnow())).state is GatewayState.PAID

    @pytest.mark.parametrize("changes", [{"orderId": "another-order"}, {"partnerCode": "SOMEONE"},
                                         {"orderId": None}, {"partnerCode": None}])
    async def test_a_paid_answer_about_something_else_is_not_believed(
            self, host: FakeGatewayHost, settings: Settings, redis: Redis, sessionmaker: SessionMaker,
            changes: dict[str, Any]) -> None:
        host.answer = {k: v for k, v in momo_paid(settings, **changes).items() if v is not None}
        momo = gateway(PaymentMethod.MOMO, host, settings, redis, sessionmaker)
        with pytest.raises(GatewayUnavailable) as unavailable:
            await momo.query(order("asked"), now=utcnow())
        assert unavailable.value.details["reason"] == "UNTRUSTED_ANSWER"

    async def test_a_refund_answer_about_another_refund_is_not_believed(
            self, host: FakeGatewayHost, settings: Settings, redis: Redis, sessionmaker: SessionMaker) -> None:
        host.answer = momo_paid(settings, orderId="another-refund")
        momo = gateway(PaymentMethod.MOMO, host, settings, redis, sessionmaker)
        refund = RefundOrder(refund_id=uuid.uuid4(), payment=order("asked"), amount=50_000, full=False,
                             reason="goodwill", requested_by="manager", gateway_ref="our-refund")
        with pytest.raises(GatewayUnavailable):
            await momo.refund(refund, now=utcnow())


class TestZalopay:
    async def test_paid_without_a_transaction_is_not_believed(
            self, host: FakeGatewayHost, settings: Settings, redis: Redis, sessionmaker: SessionMaker) -> None:
        zalopay = gateway(PaymentMethod.ZALOPAY, host, settings, redis, sessionmaker)
        for missing in ({}, {"zp_trans_id": 0}, {"zp_trans_id": "251125000000001"}):
            host.answer = {"return_code": 1, "return_message": "Giao dịch thành công", "sub_return_code": 1,
                           "is_processing": False, "amount": 150_000, **missing}
            with pytest.raises(GatewayUnavailable):
                await zalopay.query(order("251203_x"), now=utcnow())
        host.answer = {"return_code": 1, "sub_return_code": 1, "is_processing": False, "amount": 150_000,
                       "zp_trans_id": 251125000000001}
        assert (await zalopay.query(order("251203_x"), now=utcnow())).state is GatewayState.PAID
