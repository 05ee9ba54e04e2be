"""One RefundWorkflow id for every refund, `refund-{refundId}`, whoever starts it (payments, the booking saga,
a cancellation), and a Manager retries an escalated one by its refund id, or by its booking id."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import update
from sqlmodel import col
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.bookings import payment_port as pay
from domain.bookings.refunds import RefundInput, RefundOutcome
from domain.bookings.schemas import CancelRequest, CheckoutRequest, Requester
from domain.contracts.queues import TaskQueue
from domain.contracts.saga_states import SagaState
from domain.contracts.workflow_ids import refund_workflow_id
from domain.shared.roles import Role
from domain.showtimes.models import ShowtimeSeat
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import refund_of
from tests.workflows.test_booking_saga import GatewayDouble, gateway  # noqa: F401 - the fixture
from tests.workflows.test_booking_saga import start as start_saga
from tests.workflows.test_cancellation import cancel, paid
from workers.registry import ALL_WORKFLOWS
from workflows.booking import BookingWorkflow
from workflows.refund import RefundWorkflow
from workflows.search_attributes import refund_attributes

pytestmark = pytest.mark.usefixtures("worker")

Refund = WorkflowHandle[RefundWorkflow, RefundOutcome]


async def refused_refund(temporal: Client, fake: GatewayDouble, queue: str, *, refund_id: uuid.UUID,
                         booking_id: uuid.UUID, workflow_id: str) -> Refund:
    """A refund the gateway refuses once, started as payments starts it; answers once it is escalated."""
    fake.refund_answers = [pay.SettlementStatus.FAILED]
    handle = await temporal.start_workflow(
        RefundWorkflow.run, RefundInput(refund_id=refund_id, booking_id=booking_id, amount=120_000,
                                        reason="late payment", payment_queue=queue),
        id=workflow_id, task_queue=TaskQueue.BOOKINGS, search_attributes=refund_attributes(booking_id))
    for _ in range(100):
        if await handle.query(RefundWorkflow.state) == SagaState.REFUND_ESCALATED:
            return handle
        await asyncio.sleep(0.1)
    raise AssertionError("the refund did not escalate")


async def stuck(client: httpx.AsyncClient, manager: Any, workflow_id: str) -> dict[str, Any]:
    """The refund as GET /refunds/stuck lists it (visibility follows the workflow a moment later)."""
    for _ in range(100):
        response = await client.get("/api/bookings/refunds/stuck", headers=manager.headers)
        assert response.status_code == 200, response.text
        found = [r for r in response.json() if r["workflowId"] == workflow_id]
        if found:
            return found[0]  # type: ignore[no-any-return]
        await asyncio.sleep(0.1)
    raise AssertionError(f"{workflow_id} never listed as stuck")


class TestRetry:
    async def test_a_refund_payments_started_is_retried_by_its_refund_id(
            self, client: httpx.AsyncClient, temporal: Client, make_user: Any,
            gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
        fake, queue = gateway
        refund_id, booking_id = uuid.uuid4(), uuid.uuid4()
        handle = await refused_refund(temporal, fake, queue, refund_id=refund_id, booking_id=booking_id,
                                      workflow_id=refund_workflow_id(refund_id))
        manager = await make_user(Role.MANAGER)
        response = await client.post(f"/api/bookings/refunds/{refund_id}/retry", headers=manager.headers)
        assert response.status_code == 202, response.text
        outcome = await asyncio.wait_for(handle.result(), 30)
        assert outcome.status == "Refunded" and outcome.attempts == 2 and fake.refunded[booking_id] == 120_000

    async def test_the_refunds_of_a_booking_are_retried_by_its_booking_id(
            self, client: httpx.AsyncClient, temporal: Client, make_user: Any,
            gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
        """What the apps send today is the booking's id: its escalated refunds (two here, which the
        `refund-{bookingId}` id did not allow) are found through visibility and all retried."""
        fake, queue = gateway
        booking_id = uuid.uuid4()
        handles = []
        for refund_id in (uuid.uuid4(), uuid.uuid4()):
            handles.append(await refused_refund(temporal, fake, queue, refund_id=refund_id, booking_id=booking_id,
                                                workflow_id=refund_workflow_id(refund_id)))
        manager = await make_user(Role.MANAGER)
        for handle in handles:
            await stuck(client, manager, handle.id)
        response = await client.post(f"/api/bookings/refunds/{booking_id}/retry", headers=manager.headers)
        assert response.status_code == 202, response.text
        outcomes = [await asyncio.wait_for(handle.result(), 30) for handle in handles]
        assert [(o.status, o.attempts) for o in outcomes] == [("Refunded", 2), ("Refunded", 2)]
        assert fake.refunded[booking_id] == 240_000

    async def test_an_older_refund_keyed_by_its_booking_is_still_retried(
            self, client: httpx.AsyncClient, temporal: Client, make_user: Any,
            gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
        """Sagas started before the refund id became the workflow id run `refund-{bookingId}`."""
        fake, queue = gateway
        booking_id = uuid.uuid4()
        handle = await refused_refund(temporal, fake, queue, refund_id=uuid.uuid4(), booking_id=booking_id,
                                      workflow_id=f"refund-{booking_id}")
        manager = await make_user(Role.MANAGER)
        response = await client.post(f"/api/bookings/refunds/{booking_id}/retry", headers=manager.headers)
        assert response.status_code == 202, response.text
        assert (await asyncio.wait_for(handle.result(), 30)).status == "Refunded"

    async def test_stuck_refunds_answer_their_refund_id(self, client: httpx.AsyncClient, temporal: Client,
                                                        make_user: Any,
                                                        gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
        fake, queue = gateway
        refund_id, booking_id, older_booking_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        current = await refused_refund(temporal, fake, queue, refund_id=refund_id, booking_id=booking_id,
                                       workflow_id=refund_workflow_id(refund_id))
        older = await refused_refund(temporal, fake, queue, refund_id=uuid.uuid4(), booking_id=older_booking_id,
                                     workflow_id=f"refund-{older_booking_id}")
        manager = await make_user(Role.MANAGER)
        listed = await stuck(client, manager, current.id)
        assert listed["refundId"] == str(refund_id) and listed["bookingId"] == str(booking_id)
        listed = await stuck(client, manager, older.id)  # its id names the booking, not the refund
        assert listed["refundId"] is None and listed["bookingId"] == str(older_booking_id)
        for handle in (current, older):
            await handle.terminate("test over")

    async def test_no_escalated_refund_is_a_404(self, client: httpx.AsyncClient, make_user: Any) -> None:
        manager = await make_user(Role.MANAGER)
        response = await client.post(f"/api/bookings/refunds/{uuid.uuid4()}/retry", headers=manager.headers)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"

    @pytest.mark.parametrize("role", [Role.CUSTOMER, Role.STAFF])
    async def test_only_managers_retry(self, client: httpx.AsyncClient, make_user: Any, role: Role) -> None:
        user = await make_user(role)
        response = await client.post(f"/api/bookings/refunds/{uuid.uuid4()}/retry", headers=user.headers)
        assert response.status_code == 403
        assert (await client.get("/api/bookings/refunds/stuck", headers=user.headers)).status_code == 403


class TestSagasUseTheRefundId:
    async def test_a_cancellation_refunds_under_the_refund_id_and_replays(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, settings: Settings, make_user: Any,
            gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
        fake, queue = gateway
        customer = await make_user()
        _, booking_id = await paid(sessionmaker, redis, settings, customer.id)
        plan, handle = await cancel(temporal, booking_id, CancelRequest(requester=Requester(user_id=customer.id)),
                                    queue)
        await asyncio.wait_for(handle.result(), 30)
        refund = await refund_of(temporal, booking_id)
        outcome = await asyncio.wait_for(refund.result(), 30)
        assert refund.id == refund_workflow_id(outcome.refund_id) and fake.refunded[booking_id] == plan.paid
        replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
        for history in (await handle.fetch_history(), await refund.fetch_history()):
            assert (await replayer.replay_workflow(history, raise_on_replay_failure=False)).replay_failure is None

    async def test_the_booking_saga_refunds_under_the_refund_id_and_replays(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis,
            gateway: tuple[GatewayDouble, str], make_user: Any) -> None:  # noqa: F811
        fake, queue = gateway
        saga = await start_saga(temporal, sessionmaker, redis, queue, make_user)
        await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        async with unit_of_work(sessionmaker) as session:  # another customer took B6 before the money arrived
            await session.exec(update(ShowtimeSeat).where(  # type: ignore[call-overload]
                col(ShowtimeSeat.showtime_id) == saga.showtime.id, col(ShowtimeSeat.row) == "B",
                col(ShowtimeSeat.number) == 6).values(booking_id=uuid.uuid4()))
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        assert (await asyncio.wait_for(saga.handle.result(), 30)).outcome == "SEATS_LOST"
        refund = await refund_of(temporal, saga.booking_id)
        outcome = await asyncio.wait_for(refund.result(), 30)
        assert refund.id == refund_workflow_id(outcome.refund_id) and outcome.status == "Refunded"
        replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
        result = await replayer.replay_workflow(await saga.handle.fetch_history(), raise_on_replay_failure=False)
        assert result.replay_failure is None
