"""F&B pre-orders in the booking saga on real Temporal + PostgreSQL: reserve_fnb holds the components at the
showtime's cinema all or nothing, a refusal keeps the seats, paid becomes a sale, and every way a saga ends
unpaid gives the units back — the stock always what its ledger says, the money always what the tickets and
F&B cost."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlmodel import col, select
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError

from domain.bookings.models import BookingFnB
from domain.bookings.schemas import CheckoutRequest
from domain.contracts.saga_states import SagaState
from domain.fnb.models import ReservationStatus, StockReservation
from domain.fnb.schemas import OrderLine
from domain.showtimes.models import SeatStatus
from infra.db import SessionMaker
from tests.bookings_support import make_showtime, seat_ids, start_booking
from tests.conftest import Mailbox
from tests.domain.fnb.test_stock import make_combo, make_item, stock_of
from tests.workflows.test_booking_saga import (
    GatewayDouble,
    Saga,
    assert_money_consistent,
    booking_row,
    gateway,
    mailbox_email,
    start,
    statuses,
    voucher,
)
from workflows.booking import BookingWorkflow

pytestmark = pytest.mark.usefixtures("worker")
__all__ = ["gateway"]  # the fixture, used by name


async def menu(sessionmaker: SessionMaker, cinema_id: uuid.UUID, popcorn: int = 10,
               coke: int = 10) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Popcorn and coke in stock at the cinema, and a combo of one of each."""
    p, c = await make_item(sessionmaker, cinema_id, popcorn), await make_item(sessionmaker, cinema_id, coke)
    return p, c, await make_combo(sessionmaker, {p: 1, c: 1})


async def checkout(saga: Saga, lines: list[OrderLine], *, voucher_code: str | None = None) -> Any:
    return await saga.handle.execute_update(BookingWorkflow.checkout, CheckoutRequest(
        requester=saga.owner, voucher_code=voucher_code, payment_method="VNPay", fnb_items=lines))


async def reservation(sessionmaker: SessionMaker, booking_id: uuid.UUID) -> StockReservation | None:
    async with sessionmaker() as session:
        return await session.get(StockReservation, booking_id)


class TestPaidPreOrder:
    async def test_the_order_is_priced_charged_sold_and_mailed(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any, mailbox: Mailbox) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        popcorn, coke, combo = await menu(sessionmaker, saga.showtime.cinema_id)
        view = await checkout(saga, [OrderLine(item_id=popcorn, quantity=2), OrderLine(combo_id=combo, quantity=1)])
        assert view.fnb_amount == 2 * 50_000 + 80_000
        assert view.total_amount > view.fnb_amount, "seats plus F&B"
        assert fake.amounts[saga.booking_id] == view.final_amount == view.total_amount, "the F&B is paid for too"
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, popcorn) == (10, 3), "held, not sold yet"

        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        outcome = await asyncio.wait_for(saga.handle.result(), 30)
        assert outcome.outcome == "CONFIRMED"
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, popcorn) == (7, 0)
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, coke) == (9, 0)
        row = await booking_row(sessionmaker, saga.booking_id)
        assert (row.fnb_amount, row.total_amount, row.final_amount) == (
            view.fnb_amount, view.total_amount, view.final_amount)
        async with sessionmaker() as session:
            lines = (await session.exec(select(BookingFnB).where(
                col(BookingFnB.booking_id) == saga.booking_id))).all()
        assert sorted((line.quantity, line.price, line.combo_id is not None) for line in lines) == [
            (1, 80_000, True), (2, 50_000, False)], "each line keeps its unit price of the order"
        steps = [(s.name, s.service) for s in (await saga.handle.query(BookingWorkflow.status)).steps]
        assert ("reserve_fnb", "fnb") in steps and ("sell_fnb", "fnb") in steps
        assert steps.index(("reserve_fnb", "fnb")) < steps.index(("create_booking", "bookings"))
        mail = (await mailbox.wait_for(await mailbox_email(sessionmaker, saga.user_id)))[0]["text"]
        assert "2 × Bắp thử" in mail and "(100,000 VND)" in mail and "1 × Combo thử" in mail
        assert_money_consistent(fake, {saga.booking_id: row.final_amount})


class TestRefusedPreOrder:
    async def test_out_of_stock_names_the_item_keeps_the_seats_and_a_smaller_order_goes_through(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        popcorn, coke, combo = await menu(sessionmaker, saga.showtime.cinema_id, popcorn=3, coke=1)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await checkout(saga, [OrderLine(item_id=popcorn, quantity=1), OrderLine(combo_id=combo, quantity=2)])
        cause = refused.value.cause
        assert cause.type == "FNB_OUT_OF_STOCK"  # type: ignore[union-attr]
        assert cause.details[0]["details"] == [  # type: ignore[union-attr]
            {"itemId": str(coke), "needed": 2, "available": 1}]
        assert await statuses(sessionmaker, saga) == {"B5": SeatStatus.LOCKED, "B6": SeatStatus.LOCKED}
        assert (await saga.handle.query(BookingWorkflow.status)).state is SagaState.SEATS_LOCKED
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, coke) == (1, 0), "nothing held"

        view = await checkout(saga, [OrderLine(combo_id=combo, quantity=1)])
        assert view.fnb_amount == 80_000
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        await asyncio.wait_for(saga.handle.result(), 30)
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, coke) == (0, 0)
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, popcorn) == (2, 0)

    async def test_a_refused_voucher_gives_the_fnb_back_for_the_next_checkout(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any) -> None:
        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user)
        popcorn, _, _ = await menu(sessionmaker, saga.showtime.cinema_id)
        with pytest.raises(WorkflowUpdateFailedError):
            await checkout(saga, [OrderLine(item_id=popcorn, quantity=4)], voucher_code="NO-SUCH-CODE")
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, popcorn) == (10, 0)
        view = await checkout(saga, [])  # changed their mind: tickets only
        assert view.fnb_amount == 0
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        await asyncio.wait_for(saga.handle.result(), 30)
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, popcorn) == (10, 0), "nothing sold"
        assert_money_consistent(fake, {saga.booking_id: (await booking_row(sessionmaker,
                                                                            saga.booking_id)).final_amount})


class TestUnpaidPreOrder:
    @pytest.mark.parametrize("ending", ["payment_failed", "hold_expired", "seat_lost", "cancelled"])
    async def test_every_unpaid_end_gives_the_units_back(
            self, temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
            make_user: Any, ending: str) -> None:
        from sqlalchemy import update

        from domain.showtimes.models import ShowtimeSeat
        from infra.db import unit_of_work
        from tests.bookings_support import refund_of

        fake, queue = gateway
        saga = await start(temporal, sessionmaker, redis, queue, make_user,
                           hold_seconds=3 if ending == "hold_expired" else 60)
        popcorn, coke, combo = await menu(sessionmaker, saga.showtime.cinema_id)
        code = await voucher(sessionmaker, usageLimit=5)
        await checkout(saga, [OrderLine(combo_id=combo, quantity=2)], voucher_code=code.code)
        assert await stock_of(sessionmaker, saga.showtime.cinema_id, coke) == (10, 2)
        if ending == "payment_failed":
            await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id, ok=False))
        elif ending == "seat_lost":  # paid after the seats went to someone else: refunded, nothing sold
            async with unit_of_work(sessionmaker) as session:
                await session.exec(update(ShowtimeSeat).where(  # type: ignore[call-overload]
                    col(ShowtimeSeat.showtime_id) == saga.showtime.id, col(ShowtimeSeat.row) == "B",
                    col(ShowtimeSeat.number) == 6).values(booking_id=uuid.uuid4()))
            await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
        if ending == "cancelled":  # an operator cancels the saga
            await saga.handle.cancel()
            with pytest.raises(WorkflowFailureError):
                await asyncio.wait_for(saga.handle.result(), 30)
        else:
            outcome = await asyncio.wait_for(saga.handle.result(), 30)
            assert outcome.state is SagaState.COMPENSATED
        for item in (popcorn, coke):
            assert await stock_of(sessionmaker, saga.showtime.cinema_id, item) == (10, 0)
        found = await reservation(sessionmaker, saga.booking_id)
        assert found and found.status is ReservationStatus.RELEASED
        if ending == "seat_lost":
            await asyncio.wait_for((await refund_of(temporal, saga.booking_id)).result(), 30)
        assert_money_consistent(fake, {})


async def test_fifty_checkouts_race_for_the_last_ten_popcorns(
        temporal: Client, sessionmaker: SessionMaker, redis: Redis, gateway: tuple[GatewayDouble, str],
        make_user: Any) -> None:
    """50 customers check out at once, each with popcorn alone or in one of two combos that share it; 10 are
    left. Exactly 10 orders go through, the rest get FNB_OUT_OF_STOCK and still hold their seats."""
    fake, queue = gateway
    layout = {"rows": 10, "seatsPerRow": 10, "aisles": [], "vipRows": [], "coupleRows": [], "brokenSeats": []}
    showtime = await make_showtime(sessionmaker, layout=layout)
    cinema = showtime.cinema_id
    popcorn, coke = await make_item(sessionmaker, cinema, 10), await make_item(sessionmaker, cinema, 1000)
    solo, couple = (await make_combo(sessionmaker, {popcorn: 1, coke: 1}),
                    await make_combo(sessionmaker, {popcorn: 1, coke: 2}))
    orders = [[OrderLine(item_id=popcorn, quantity=1)], [OrderLine(combo_id=solo, quantity=1)],
              [OrderLine(combo_id=couple, quantity=1), OrderLine(item_id=coke, quantity=1)]]
    pairs = [(f"{row}{n}", f"{row}{n + 1}") for row in "ABCDEFGHIJ" for n in (1, 3, 5, 7, 9)]

    async def one(pair: tuple[str, str]) -> Saga:
        customer = await make_user()
        ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, *pair)]
        view, handle = await start_booking(temporal, sessionmaker, redis, user_id=customer.id,
                                           showtime_id=showtime.id, seat_ids=ids, hold_seconds=120,
                                           payment_queue=queue)
        return Saga(handle, view.booking_id, customer.id, showtime)

    sagas = await asyncio.gather(*(one(pair) for pair in pairs))

    async def order(saga: Saga) -> bool:
        try:
            await checkout(saga, random.choice(orders))
            return True
        except WorkflowUpdateFailedError as e:
            assert e.cause.type == "FNB_OUT_OF_STOCK", e.cause  # type: ignore[union-attr]
            return False

    won = await asyncio.gather(*(order(saga) for saga in sagas))
    assert won.count(True) == 10
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 10)
    losers = [saga for saga, ok in zip(sagas, won, strict=True) if not ok]
    states = await asyncio.gather(*(saga.handle.query(BookingWorkflow.status) for saga in losers))
    assert {s.state for s in states} == {SagaState.SEATS_LOCKED}, "the losers keep their seats"

    winners = [saga for saga, ok in zip(sagas, won, strict=True) if ok]
    for saga in winners:
        await saga.handle.signal(BookingWorkflow.payment_settled, fake.ipn(saga.booking_id))
    await asyncio.gather(*(saga.handle.cancel() for saga in losers))
    outcomes = await asyncio.wait_for(asyncio.gather(*(saga.handle.result() for saga in winners)), 60)
    assert {o.outcome for o in outcomes} == {"CONFIRMED"}
    assert await stock_of(sessionmaker, cinema, popcorn) == (0, 0), "exactly the 10 were sold"
    confirmed = {saga.booking_id: (await booking_row(sessionmaker, saga.booking_id)).final_amount
                 for saga in winners}
    assert_money_consistent(fake, confirmed)
