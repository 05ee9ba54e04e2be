"""Vouchers with scopes in the booking saga on real Temporal + PostgreSQL: the discount comes off the part of the
purchase the voucher names (tickets, F&B, some seat types), and a purchase outside its film, day, time or
first-booking scope is refused with the reason while the seats stay held."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlmodel import col, select
from temporalio.client import Client, WorkflowUpdateFailedError

from domain.bookings.models import BookingFnB
from domain.bookings.schemas import CheckoutRequest
from domain.fnb.schemas import OrderLine
from domain.promotions.models import VoucherAssignment
from domain.shared.time import LOCAL_TZ
from domain.showtimes.models import SeatStatus
from infra.db import SessionMaker, unit_of_work
from tests.bookings_support import seat_ids, start_booking
from tests.domain.fnb.test_stock import make_combo, make_item, stock_of
from tests.workflows.test_booking_saga import (
    GatewayDouble,
    Saga,
    assert_money_consistent,
    booking_row,
    gateway,
    start,
    statuses,
    used_count,
    voucher,
)
from workflows.booking import BookingWorkflow

pytestmark = pytest.mark.usefixtures("worker")
__all__ = ["gateway"]  # the fixture, used by name


async def checkout(saga: Saga, code: str | None, fnb: list[OrderLine] | None = None) -> Any:
    return await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
        requester=saga.owner, voucher_code=code, payment_method="VNPay", fnb_items=fnb or []))


async def refused(sessionmaker: SessionMaker, saga: Saga, code: str) -> str:
    """Why checking out with the code is refused: the reason of VOUCHER_NOT_USABLE, or the error code."""
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await checkout(saga, code)
    cause: Any = err.value.cause
    assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.LOCKED, "B6": SeatStatus.LOCKED}
    return cause.details[0]["details"]["reason"] if cause.type == "VOUCHER_NOT_USABLE" else cause.type  # type: ignore[no-any-return]


async def test_an_fnb_voucher_takes_its_percentage_off_the_fnb_only(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)
    popcorn = await make_item(sessionmaker, saga.showtime.cinema_id, 10)
    code = await voucher(sessionmaker, type="Percentage", value=50, applicableFor="FnB")
    view = await checkout(saga, code.code, [OrderLine(item_id=popcorn, quantity=2)])
    assert (view.fnb_amount, view.discount) == (100_000, 50_000)
    assert view.final_amount == view.total_amount - 50_000 == fake.amounts[saga.booking_id]
    await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
    assert (await asyncio.wait_for(saga.handle.result(), 30)).outcome == "CONFIRMED"
    assert_money_consistent(fake, {saga.booking_id: (await booking_row(sessionmaker, saga.booking_id)).final_amount})


async def test_a_seat_type_voucher_discounts_those_seats_and_refuses_others(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    _, queue = gateway
    vip = await start(temporal, sessionmaker, redis, queue, make_user)  # row B is VIP
    code = await voucher(sessionmaker, type="Percentage", value=10, applicableFor="Movie", seatTypes=["VIP"],
                         usageLimit=5)
    view = await checkout(vip, code.code)
    assert view.discount == view.total_amount // 10
    standard = await start(temporal, sessionmaker, redis, queue, make_user, labels=("A1", "A2"))
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await checkout(standard, code.code)
    assert err.value.cause.details[0]["details"]["reason"] == "NOT_THESE_SEATS"  # type: ignore[union-attr]
    await asyncio.gather(vip.handle.cancel(), standard.handle.cancel())


@pytest.mark.parametrize("scope, reason", [
    ("other_film", "NOT_THIS_MOVIE"), ("other_cinema", "NOT_THIS_CINEMA"), ("other_day", "NOT_THIS_DAY"),
    ("early_shows", "NOT_THIS_TIME"), ("first_booking", "FIRST_BOOKING_ONLY")])
async def test_outside_its_scope_a_voucher_is_refused_and_the_seats_stay_held(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any, scope: str, reason: str) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)
    day = saga.showtime.start_time.astimezone(LOCAL_TZ).isoweekday()
    if scope == "first_booking":  # the same customer has a paid booking already
        ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, saga.showtime.id, "A1", "A2")]
        held, earlier = await start_booking(temporal, sessionmaker, redis, user_id=saga.user_id,
                                            showtime_id=saga.showtime.id, seat_ids=ids, hold_seconds=60,
                                            payment_queue=queue)
        await earlier.execute_update(BookingWorkflow.checkout, CheckoutRequest(
            requester=saga.owner, voucher_code=None, payment_method="VNPay"))
        await earlier.signal(BookingWorkflow.payment_settled, fake.ipn(held.booking_id))
        await asyncio.wait_for(earlier.result(), 30)
    kw: dict[str, Any] = {
        "other_film": {"movieIds": [str(uuid.uuid4())]},
        "other_cinema": {"cinemaIds": [str(uuid.uuid4())]},
        "other_day": {"daysOfWeek": [day % 7 + 1]},
        "early_shows": {"timeTo": "10:00:00"},  # the showtime starts at 20:00
        "first_booking": {"firstBookingOnly": True},
    }[scope]
    code = await voucher(sessionmaker, **kw)
    assert await refused(sessionmaker, saga, code.code) == reason
    view = await checkout(saga, None)  # the customer checks out without it
    assert view.discount == 0
    await saga.handle.cancel()


async def test_a_personal_voucher_works_for_whom_it_was_given_to(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    _, queue = gateway
    mine = await start(temporal, sessionmaker, redis, queue, make_user)
    theirs = await start(temporal, sessionmaker, redis, queue, make_user)
    code = await voucher(sessionmaker, personal=True, usageLimit=5)
    async with unit_of_work(sessionmaker) as session:
        session.add(VoucherAssignment(voucher_id=code.id, user_id=mine.user_id, source="Compensation"))
    assert await refused(sessionmaker, theirs, code.code) == "VOUCHER_NOT_FOUND"
    assert (await checkout(mine, code.code)).discount == 20_000
    await asyncio.gather(mine.handle.cancel(), theirs.handle.cancel())


async def test_a_free_item_voucher_adds_its_combo_at_0_vnd_and_reserves_its_stock(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    fake, queue = gateway
    saga = await start(temporal, sessionmaker, redis, queue, make_user)
    cinema = saga.showtime.cinema_id
    popcorn, coke = await make_item(sessionmaker, cinema, 10), await make_item(sessionmaker, cinema, 1)
    combo = await make_combo(sessionmaker, {popcorn: 1, coke: 1})
    code = await voucher(sessionmaker, type="FreeItem", value=1, freeComboId=str(combo), usageLimit=2)
    view = await checkout(saga, code.code, [OrderLine(item_id=popcorn, quantity=1)])
    assert (view.fnb_amount, view.discount) == (50_000, 0), "the combo costs nothing; the popcorn is paid"
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 2) and await stock_of(sessionmaker, cinema,
                                                                                         coke) == (1, 1)
    await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
    assert (await asyncio.wait_for(saga.handle.result(), 30)).outcome == "CONFIRMED"
    async with sessionmaker() as session:
        lines = (await session.exec(select(BookingFnB).where(col(BookingFnB.booking_id) == saga.booking_id))).all()
    assert sorted((line.price, line.combo_id == combo) for line in lines) == [(0, True), (50_000, False)]
    assert await stock_of(sessionmaker, cinema, coke) == (0, 0)

    # The last coke is gone: the next customer's free combo is out of stock, the voucher use comes back.
    other = await start(temporal, sessionmaker, redis, queue, make_user)
    assert await refused(sessionmaker, other, code.code) == "FNB_OUT_OF_STOCK"
    assert await used_count(sessionmaker, code.id) == 1
    assert await stock_of(sessionmaker, cinema, popcorn) == (8, 0), "one alone, one in the free combo"
    await other.handle.cancel()
