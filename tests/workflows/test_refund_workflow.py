"""RefundWorkflow: asynchronous gateways are polled; refused refunds escalate until a Manager retries them."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import Client, WorkflowHandle

from domain.bookings import payment_port as pay
from domain.bookings.refunds import RefundInput, RefundOutcome
from tests.workflows.test_booking_saga import GatewayDouble, gateway  # noqa: F401 - the fixture
from workflows.queues import TaskQueue
from workflows.refund import SAGA_STATE, RefundWorkflow

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
