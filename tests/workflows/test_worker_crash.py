"""A worker killed in the middle of a saga (a real process, SIGKILL) and started again: the saga finishes or
compensates, nothing is left half-done. These run in their own Temporal namespace, served only by the
worker processes started here."""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from temporalio.client import Client
from temporalio.worker import Worker

from domain.bookings.models import BookingStatus
from domain.bookings.schemas import CheckoutRequest, Requester
from domain.contracts.saga_states import SagaState
from domain.fnb.schemas import OrderLine
from domain.promotions import loyalty
from domain.showtimes.models import SeatStatus
from domain.users import service as users_service
from infra.db import SessionMaker, unit_of_work
from infra.processes import ManagedProcess, wait_until
from infra.settings import Settings
from infra.temporal import connect_temporal
from tests.bookings_support import make_showtime, seat_ids, seats, start_booking
from tests.conftest import CRASH_NAMESPACE
from tests.domain.fnb.test_stock import stock_of
from tests.workflows.test_booking_saga import GatewayDouble, assert_money_consistent, booking_row
from tests.workflows.test_fnb_saga import menu
from workflows.booking import BookingWorkflow

ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """`python -m workers.main` as production runs it, on the crash-test namespace."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings, self.log, self.proc = settings, log, None

    def start(self) -> None:
        s = self.settings
        env = {"CINEMA_DATABASE_URL": s.resolved_database_url, "CINEMA_REDIS_URL": s.resolved_redis_url,
               "CINEMA_TEMPORAL_ADDRESS": s.resolved_temporal_address, "CINEMA_TEMPORAL_NAMESPACE": CRASH_NAMESPACE,
               "CINEMA_SMTP_HOST": s.resolved_smtp_host, "CINEMA_SMTP_PORT": str(s.resolved_smtp_port),
               "CINEMA_ENV": "test"}
        before = self.log.read_text() if self.log.exists() else ""
        # --no-events: the session's own relay and consumers deliver events; consumers of this process would
        # take them too and talk to the crash-test namespace, where the sagas they address do not run.
        self.proc = ManagedProcess(name="worker", argv=[sys.executable, "-m", "workers.main", "--no-events"],
                                   log_path=self.log, env=env, cwd=ROOT).start()
        wait_until(lambda: self.log.read_text().count("worker serving") > before.count("worker serving"),
                   timeout=30, what="worker process", proc=self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no graceful shutdown, in-flight work is simply lost

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()


@pytest.fixture
def worker_process(settings: Settings, tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(settings, tmp_path / "worker.log")
    process.start()
    yield process
    process.stop()


@pytest.fixture
async def crash_client(settings: Settings) -> Client:
    return await connect_temporal(settings.resolved_temporal_address, CRASH_NAMESPACE)


@pytest.fixture
async def gateway(crash_client: Client) -> AsyncIterator[tuple[GatewayDouble, str]]:
    fake, queue = GatewayDouble(), f"test-payments-{uuid.uuid4()}"
    async with Worker(crash_client, task_queue=queue, activities=fake.activities):
        yield fake, queue


async def start_saga(client: Client, sessionmaker: SessionMaker, redis: Redis, make_user: Any, queue: str,
                     hold_seconds: int) -> tuple[Any, Any, Any]:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, "B1", "B2")]
    _, handle = await start_booking(client, sessionmaker, redis, user_id=customer.id, showtime_id=showtime.id,
                                    seat_ids=ids, hold_seconds=hold_seconds, payment_queue=queue)
    return handle, customer, showtime


async def seat_states(sessionmaker: SessionMaker, showtime: Any) -> set[SeatStatus]:
    return {s.status for label, s in (await seats(sessionmaker, showtime.id)).items() if label in ("B1", "B2")}


async def test_killed_while_waiting_for_the_payment_then_confirms(
        crash_client: Client, worker_process: WorkerProcess, gateway: tuple[GatewayDouble, str],
        sessionmaker: SessionMaker, redis: Redis, make_user: Any) -> None:
    fake, queue = gateway
    handle, customer, showtime = await start_saga(crash_client, sessionmaker, redis, make_user, queue, hold_seconds=60)
    await handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
        requester=Requester(user_id=customer.id), voucher_code=None, payment_method="VNPay"))
    worker_process.kill()
    await handle.signal(BookingWorkflow.payment_settled, fake.ipn(uuid.UUID(handle.id.removeprefix("booking-"))))
    await asyncio.sleep(1)  # nobody is there to act on it
    assert await seat_states(sessionmaker, showtime) == {SeatStatus.LOCKED}
    worker_process.start()
    outcome = await asyncio.wait_for(handle.result(), 60)
    assert (outcome.state, outcome.outcome) == (SagaState.COMPLETED, "CONFIRMED")
    assert (await booking_row(sessionmaker, outcome.booking_id)).status is BookingStatus.CONFIRMED
    assert await seat_states(sessionmaker, showtime) == {SeatStatus.BOOKED}


async def test_killed_during_the_hold_then_compensates_on_restart(
        crash_client: Client, worker_process: WorkerProcess, gateway: tuple[GatewayDouble, str],
        sessionmaker: SessionMaker, redis: Redis, make_user: Any) -> None:
    _, queue = gateway
    handle, _, showtime = await start_saga(crash_client, sessionmaker, redis, make_user, queue, hold_seconds=2)
    worker_process.kill()
    await asyncio.sleep(3)  # the hold runs out while no worker is alive
    worker_process.start()
    outcome = await asyncio.wait_for(handle.result(), 60)
    assert (outcome.state, outcome.outcome) == (SagaState.COMPENSATED, "HOLD_EXPIRED")
    assert await seat_states(sessionmaker, showtime) == {SeatStatus.AVAILABLE}


async def test_released_before_any_worker_ran_the_saga(
        crash_client: Client, worker_process: WorkerProcess, gateway: tuple[GatewayDouble, str],
        sessionmaker: SessionMaker, redis: Redis, make_user: Any) -> None:
    """The customer's release reaches the saga in its very first task, before run() has begun."""
    _, queue = gateway
    worker_process.kill()
    handle, customer, showtime = await start_saga(crash_client, sessionmaker, redis, make_user, queue,
                                                  hold_seconds=600)
    release = asyncio.create_task(handle.execute_update(BookingWorkflow.release_hold, Requester(user_id=customer.id)))
    await asyncio.sleep(1)  # the update waits with the start for a worker
    worker_process.start()
    await asyncio.wait_for(release, 60)
    outcome = await asyncio.wait_for(handle.result(), 60)
    assert (outcome.state, outcome.outcome) == (SagaState.COMPENSATED, "RELEASED_BY_CUSTOMER")
    assert await seat_states(sessionmaker, showtime) == {SeatStatus.AVAILABLE}


@pytest.mark.parametrize("paid", [True, False], ids=["paid-then-sold", "hold-ran-out-then-released"])
async def test_killed_between_reserving_fnb_and_points_and_confirming(
        crash_client: Client, worker_process: WorkerProcess, gateway: tuple[GatewayDouble, str],
        sessionmaker: SessionMaker, redis: Redis, make_user: Any, paid: bool) -> None:
    """The F&B is held and points are spent, the worker dies; on restart the saga sells the F&B and keeps the
    points spent (paid), or gives both back (the hold ran out meanwhile): the stock is what its ledger says,
    no point is lost or counted twice."""
    fake, queue = gateway
    handle, customer, showtime = await start_saga(crash_client, sessionmaker, redis, make_user, queue,
                                                  hold_seconds=60 if paid else 4)
    popcorn, coke, combo = await menu(sessionmaker, showtime.cinema_id)
    async with unit_of_work(sessionmaker) as session:
        await loyalty.earn(session, user_id=customer.id, booking_id=uuid.uuid4(), amount_paid=500_000)  # 50
    await handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
        requester=Requester(user_id=customer.id), voucher_code=None, payment_method="VNPay",
        fnb_items=[OrderLine(combo_id=combo, quantity=3)], points_to_redeem=30))
    assert await stock_of(sessionmaker, showtime.cinema_id, popcorn) == (10, 3)
    worker_process.kill()
    if paid:
        await handle.signal(BookingWorkflow.payment_settled, fake.ipn(uuid.UUID(handle.id.removeprefix("booking-"))))
    await asyncio.sleep(5)  # nobody is there to act on the payment, or the hold runs out meanwhile
    assert await stock_of(sessionmaker, showtime.cinema_id, popcorn) == (10, 3), "still held while no worker lives"
    worker_process.start()
    outcome = await asyncio.wait_for(handle.result(), 60)
    assert outcome.outcome == ("CONFIRMED" if paid else "HOLD_EXPIRED")
    for item in (popcorn, coke):
        assert await stock_of(sessionmaker, showtime.cinema_id, item) == ((7, 0) if paid else (10, 0))
    booking = await booking_row(sessionmaker, outcome.booking_id)
    async with sessionmaker() as session:
        points = (await users_service.loyalty(session, user_id=customer.id)).points
    assert points == (50 - 30 + booking.final_amount // 10_000 if paid else 50)
    assert booking.points_amount == 30_000
    assert_money_consistent(fake, {booking.id: booking.final_amount} if paid else {})
