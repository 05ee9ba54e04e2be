"""RefundWorkflow: asynchronous gateways are polled; refused refunds escalate until a Manager retries them."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from temporalio.client import Client, WorkflowHandle

from domain.bookings import payment_port as pay
from domain.bookings.refunds import RefundInput, RefundOutcome
from domain.contracts.queues import TaskQueue
from infra.db import SessionMaker
from infra.settings import Settings
from tests.bookings_support import confirmed_booking, make_showtime
from tests.conftest import Mailbox
from tests.workflows.test_booking_saga import GatewayDouble, gateway  # noqa: F401 - the fixture
from workflows.refund import RefundWorkflow
from workflows.search_attributes import SAGA_STATE

pytestmark = pytest.mark.usefixtures("worker")


async def start(temporal: Client, queue: str,
                amount: int = 150_000) -> tuple[WorkflowHandle[RefundWorkflow, RefundOutcome], uuid.UUID]:
    booking_id = uuid.uuid4()
    handle = await temporal.start_workflow(
        RefundWorkflow.run, RefundInput(refund_id=uuid.uuid4(), booking_id=booking_id, amount=amount,
                                        reason="test", payment_queue=queue, poll_seconds=1, max_polls=3),
        id=f"refund-{booking_id}", task_queue=TaskQueue.BOOKINGS)
    return handle, booking_id


async def test_a_pending_refund_is_polled_until_done(temporal: Client,
                                                     gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
    fake, queue = gateway
    fake.refund_answers = [pay.SettlementStatus.PENDING, pay.SettlementStatus.PENDING]
    handle, booking_id = await start(temporal, queue)
    outcome = await asyncio.wait_for(handle.result(), 30)
    assert outcome.status == "Refunded" and fake.refunded[booking_id] == 150_000


async def test_a_refused_refund_escalates_and_a_retry_finishes_it(temporal: Client,
                                                                  gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
    fake, queue = gateway
    fake.refund_answers = [pay.SettlementStatus.FAILED]
    handle, booking_id = await start(temporal, queue)
    for _ in range(100):
        if await handle.query(RefundWorkflow.state) == "REFUND_ESCALATED":
            break
        await asyncio.sleep(0.1)
    description = await handle.describe()
    assert description.typed_search_attributes.get(SAGA_STATE) == "REFUND_ESCALATED"
    assert booking_id not in fake.refunded
    await handle.signal(RefundWorkflow.retry)
    outcome = await asyncio.wait_for(handle.result(), 30)
    assert outcome.status == "Refunded" and outcome.attempts == 2 and fake.refunded[booking_id] == 150_000


async def test_an_automatic_refund_tells_the_customer(temporal: Client, gateway: tuple[GatewayDouble, str],  # noqa: F811
                                                     sessionmaker: SessionMaker, redis: Redis, settings: Settings,
                                                     make_user: Any, mailbox: Mailbox) -> None:
    _, queue = gateway
    customer = await make_user()
    booking_id = await confirmed_booking(sessionmaker, redis, user_id=customer.id,
                                         showtime=await make_showtime(sessionmaker), labels=["A1", "A2"],
                                         secret=settings.ticket_secret.get_secret_value())
    handle = await temporal.start_workflow(
        RefundWorkflow.run, RefundInput(refund_id=uuid.uuid4(), booking_id=booking_id, amount=90_000,
                                        reason="late payment", payment_queue=queue, notify=True),
        id=f"refund-{uuid.uuid4()}", task_queue=TaskQueue.BOOKINGS)
    assert (await asyncio.wait_for(handle.result(), 30)).status == "Refunded"
    mails = await mailbox.wait_for(customer.email)
    assert any("Refund" in m["subject"] and "90,000 VND" in m["text"] for m in mails)
