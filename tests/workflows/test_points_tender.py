"""Loyalty points as a tender in the booking saga on real Temporal + PostgreSQL: redeem_points pays part of the
booking (1 point = 1,000 VND, at most half of what is left after the voucher), the payment shrinks by it, and
every way the booking ends unpaid or cancelled gives the points back exactly — the balance always the ledger's
sum, the money plus the points always what the booking cost."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import func
from sqlmodel import select
from temporalio.client import Client, WorkflowUpdateFailedError

from domain.bookings.schemas import CancelRequest, CheckoutRequest, Requester
from domain.contracts.saga_states import SagaState
from domain.promotions import loyalty
from domain.promotions.models import LoyaltyTransaction
from domain.users import service as users_service
from infra.db import SessionMaker, unit_of_work
from tests.workflows.test_booking_saga import (
    GatewayDouble,
    Saga,
    assert_money_consistent,
    booking_row,
    gateway,
    start,
    voucher,
)
from tests.workflows.test_cancellation import cancel
from workflows.booking import BookingWorkflow

pytestmark = pytest.mark.usefixtures("worker")
__all__ = ["gateway"]  # the fixture, used by name


async def with_points(sessionmaker: SessionMaker, saga: Saga, points: int) -> None:
    async with unit_of_work(sessionmaker) as session:
        await loyalty.earn(session, user_id=saga.user_id, booking_id=uuid.uuid4(), amount_paid=points * 10_000)


async def balance(sessionmaker: SessionMaker, saga: Saga) -> int:
    """The balance, checked to be the ledger's sum."""
    async with sessionmaker() as session:
        cached = (await users_service.loyalty(session, user_id=saga.user_id)).points
        ledger = (await session.exec(select(func.coalesce(func.sum(LoyaltyTransaction.points), 0)).where(
            LoyaltyTransaction.user_id == saga.user_id))).one()
    assert cached == ledger, "the balance is the ledger's sum"
    return cached


async def checkout(saga: Saga, points: int, code: str | None = None) -> Any:
    return await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
        requester=saga.owner, voucher_code=code, payment_method="VNPay", points_to_redeem=points))


async def test_points_pay_part_of_the_booking_and_the_gateway_the_rest(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)
    await with_points(sessionmaker, saga, 100)
    code = await voucher(sessionmaker)  # 20,000 VND off
    view = await checkout(saga, 60, code.code)
    assert (view.discount, view.points_amount) == (20_000, 60_000)
    assert view.final_amount == view.total_amount - 80_000 == fake.amounts[saga.booking_id]
    assert await balance(sessionmaker, saga) == 40
    await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
    assert (await asyncio.wait_for(saga.handle.result(), 30)).outcome == "CONFIRMED"
    row = await booking_row(sessionmaker, saga.booking_id)
    assert (row.points_amount, row.final_amount) == (60_000, view.final_amount)
    assert row.final_amount + row.points_amount + row.discount == row.total_amount, "money + points = the price"
    assert await balance(sessionmaker, saga) == 40 + row.final_amount // 10_000, "points earn on the money only"
    steps = [s.name for s in (await saga.handle.query(BookingWorkflow.status)).steps]
    assert steps.index("validate_voucher") < steps.index("redeem_points") < steps.index("create_booking")
    assert_money_consistent(fake, {saga.booking_id: row.final_amount})


@pytest.mark.parametrize("asked, code", [(120, "POINTS_NOT_ENOUGH"), (1_000, "POINTS_OVER_CAP")])
async def test_a_refused_spend_keeps_the_seats_and_every_point(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any, asked: int, code: str) -> None:
    _, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)  # two VIP seats, well under 190,000 VND
    await with_points(sessionmaker, saga, 100)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await checkout(saga, asked)
    cause: Any = refused.value.cause
    assert cause.type == code
    assert (await saga.handle.query(BookingWorkflow.status)).state is SagaState.SEATS_LOCKED
    assert await balance(sessionmaker, saga) == 100
    view = await checkout(saga, 30)  # fewer points: it goes through
    assert view.points_amount == 30_000 and await balance(sessionmaker, saga) == 70
    await saga.handle.cancel()


@pytest.mark.parametrize("ending", ["payment_failed", "hold_expired"])
async def test_an_unpaid_booking_gives_the_points_back(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any, ending: str) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user,
                       hold_seconds=3 if ending == "hold_expired" else 60)
    await with_points(sessionmaker, saga, 80)
    await checkout(saga, 50)
    assert await balance(sessionmaker, saga) == 30
    if ending == "payment_failed":
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id, ok=False))
    outcome = await asyncio.wait_for(saga.handle.result(), 30)
    assert outcome.state is SagaState.COMPENSATED
    assert await balance(sessionmaker, saga) == 80, "every point back"
    assert_money_consistent(fake, {})


async def test_a_cancellation_gives_back_the_points_in_the_share_of_the_refund(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)
    await with_points(sessionmaker, saga, 90)
    await checkout(saga, 70)
    await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
    await asyncio.wait_for(saga.handle.result(), 30)
    earned = await balance(sessionmaker, saga) - 20  # 20 left, plus what the money earned
    assert earned > 0
    override = CancelRequest(requester=Requester(user_id=saga.user_id, is_staff=True), reason="half, by staff",
                             override_percent=50)
    plan, handle = await cancel(temporal, saga.booking_id, override, queue)
    await asyncio.wait_for(handle.result(), 30)
    assert plan.refund_percent == 50
    assert await balance(sessionmaker, saga) == 20 + 35 + earned - earned // 2, \
        "half the spent points back, half the earned ones taken back"
