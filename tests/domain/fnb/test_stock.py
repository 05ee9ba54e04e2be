"""F&B stock against real PostgreSQL: all-or-nothing reservations, idempotent on the booking, the ledger
sums to the stock, the CHECK refuses a negative stock, and 50 concurrent orders take exactly the last 10."""

from __future__ import annotations

import asyncio
import random
import uuid

import pytest
from sqlalchemy import func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from domain.fnb import stock as fnb_stock
from domain.fnb.errors import FnbNotSold, FnbOutOfStock, FnbReservationReleased
from domain.fnb.models import (
    ComboItem,
    FnbCategory,
    FnbCombo,
    FnbItem,
    MovementKind,
    Stock,
    StockMovement,
    StockReservation,
)
from domain.fnb.schemas import OrderLine
from domain.shared.outbox import OUTBOX
from infra.db import SessionMaker, unit_of_work


async def make_item(sessionmaker: SessionMaker, cinema_id: uuid.UUID, on_hand: int, *, threshold: int = 0,
                    available: bool = True) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        item = FnbItem(name=f"Bắp thử {uuid.uuid4().hex[:8]}", category=FnbCategory.FOOD, price=50_000,
                       is_available=available)
        session.add(item)
        await session.flush()
        stock = Stock(cinema_id=cinema_id, item_id=item.id, low_stock_threshold=threshold)
        session.add(stock)
        await session.flush()
        if on_hand:
            await fnb_stock.move(session, stock, kind=MovementKind.RECEIPT, quantity=on_hand, reason="delivery")
        return item.id


async def make_combo(sessionmaker: SessionMaker, recipe: dict[uuid.UUID, int]) -> uuid.UUID:
    async with unit_of_work(sessionmaker) as session:
        combo = FnbCombo(name=f"Combo thử {uuid.uuid4().hex[:8]}", price=80_000)
        session.add(combo)
        await session.flush()
        session.add_all([ComboItem(combo_id=combo.id, item_id=i, quantity=q) for i, q in recipe.items()])
        return combo.id


async def stock_of(sessionmaker: SessionMaker, cinema_id: uuid.UUID, item_id: uuid.UUID) -> tuple[int, int]:
    async with unit_of_work(sessionmaker) as session:
        row = await session.get(Stock, (cinema_id, item_id))
        assert row is not None
        assert await fnb_stock.current_from_ledger(session, cinema_id=cinema_id, item_id=item_id) == (
            row.on_hand, row.reserved), "the ledger sums to the stock row"
        return row.on_hand, row.reserved


def order_lines(items: dict[uuid.UUID, int] | None = None,
                combos: dict[uuid.UUID, int] | None = None) -> list[OrderLine]:
    return ([OrderLine(item_id=i, quantity=q) for i, q in (items or {}).items()]
            + [OrderLine(combo_id=c, quantity=q) for c, q in (combos or {}).items()])


async def reserve(sessionmaker: SessionMaker, cinema_id: uuid.UUID, booking_id: uuid.UUID | None = None, *,
                  items: dict[uuid.UUID, int] | None = None, combos: dict[uuid.UUID, int] | None = None,
                  attempt: int = 0) -> dict[uuid.UUID, int]:
    """Reserve an order; answers the units of each item it holds."""
    booking_id = booking_id or uuid.uuid4()
    async with unit_of_work(sessionmaker) as session:
        await fnb_stock.reserve(session, booking_id=booking_id, cinema_id=cinema_id,
                                lines=order_lines(items, combos), attempt=attempt)
        return await fnb_stock.reserved_components(session, booking_id=booking_id)


async def test_reserve_is_all_or_nothing_and_names_what_is_short(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    popcorn, coke = await make_item(sessionmaker, cinema, 5), await make_item(sessionmaker, cinema, 1)
    combo = await make_combo(sessionmaker, {popcorn: 1, coke: 1})
    with pytest.raises(FnbOutOfStock) as refused:
        await reserve(sessionmaker, cinema, items={popcorn: 2, coke: 1}, combos={combo: 1})
    assert refused.value.details == [{"itemId": str(coke), "needed": 2, "available": 1}]
    assert await stock_of(sessionmaker, cinema, popcorn) == (5, 0), "nothing was held"
    booking = uuid.uuid4()
    assert await reserve(sessionmaker, cinema, booking, items={popcorn: 2}, combos={combo: 1}) == {
        popcorn: 3, coke: 1}
    assert await reserve(sessionmaker, cinema, booking, items={popcorn: 2}, combos={combo: 1}) == {
        popcorn: 3, coke: 1}, "a retry answers the same and holds nothing more"
    assert await stock_of(sessionmaker, cinema, popcorn) == (5, 3)


async def test_sell_uses_the_recipe_of_the_reservation_and_release_gives_back(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    popcorn, coke = await make_item(sessionmaker, cinema, 10), await make_item(sessionmaker, cinema, 10)
    combo = await make_combo(sessionmaker, {popcorn: 1, coke: 2})
    paid, dropped = uuid.uuid4(), uuid.uuid4()
    await reserve(sessionmaker, cinema, paid, combos={combo: 2})
    await reserve(sessionmaker, cinema, dropped, items={popcorn: 1})
    async with unit_of_work(sessionmaker) as session:  # the recipe changes after the order
        await session.exec(update(ComboItem).where(col(ComboItem.combo_id) == combo,  # type: ignore[call-overload]
                                                   col(ComboItem.item_id) == coke).values(quantity=1))
    async with unit_of_work(sessionmaker) as session:
        assert await fnb_stock.sell(session, booking_id=paid)
        assert not await fnb_stock.sell(session, booking_id=paid), "selling twice is a no-op"
        assert await fnb_stock.release(session, booking_id=dropped)
        assert not await fnb_stock.release(session, booking_id=dropped)
        assert not await fnb_stock.release(session, booking_id=paid), "a sale is not released"
    assert await stock_of(sessionmaker, cinema, popcorn) == (8, 0)
    assert await stock_of(sessionmaker, cinema, coke) == (6, 0), "the sale took the recipe as it was ordered"
    with pytest.raises(FnbReservationReleased):
        await reserve(sessionmaker, cinema, dropped, items={popcorn: 1})


async def test_an_item_off_sale_is_refused(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    off = await make_item(sessionmaker, cinema, 5, available=False)
    with pytest.raises(FnbNotSold):
        await reserve(sessionmaker, cinema, items={off: 1})


async def test_the_database_refuses_a_negative_stock(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    item = await make_item(sessionmaker, cinema, 3)
    for values in ({"on_hand": -1, "reserved": 0}, {"on_hand": 3, "reserved": 4}):
        with pytest.raises(IntegrityError):
            async with unit_of_work(sessionmaker) as session:
                await session.exec(update(Stock).where(col(Stock.item_id) == item)  # type: ignore[call-overload]
                                   .values(**values))


async def test_crossing_the_threshold_emits_stock_low_once(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    item = await make_item(sessionmaker, cinema, 12, threshold=10)
    for _ in range(3):
        await reserve(sessionmaker, cinema, items={item: 1})
    outbox = OUTBOX["fnb"]
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.exec(select(outbox.c.envelope).where(  # type: ignore[call-overload]
            outbox.c.topic == "fnb.stock.low", outbox.c.aggregate_id == str(item)))).all()
    assert [r["data"] for r in rows] == [{"cinemaId": str(cinema), "itemId": str(item), "quantity": 10,
                                             "threshold": 10}]


async def test_fifty_concurrent_orders_take_exactly_the_last_ten(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    popcorn, coke = await make_item(sessionmaker, cinema, 10), await make_item(sessionmaker, cinema, 1000)
    solo = await make_combo(sessionmaker, {popcorn: 1, coke: 1})
    couple = await make_combo(sessionmaker, {popcorn: 1, coke: 2})
    orders = [{"items": {popcorn: 1}}, {"combos": {solo: 1}}, {"combos": {couple: 1}}]
    lowest: list[int] = []
    done = asyncio.Event()

    async def watch() -> None:  # samples the stock while the orders run
        while not done.is_set():
            async with sessionmaker() as session:
                lowest.append((await session.exec(text(  # type: ignore[call-overload]
                    "SELECT on_hand - reserved FROM fnb.stock WHERE item_id = :i"), params={"i": popcorn})).one()[0])

    async def order(n: int) -> bool:
        try:
            await reserve(sessionmaker, cinema, **random.choice(orders))  # type: ignore[arg-type]
            return True
        except FnbOutOfStock:
            return False

    watcher = asyncio.create_task(watch())
    results = await asyncio.gather(*(order(n) for n in range(50)))
    done.set()
    await watcher
    assert results.count(True) == 10
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 10)
    assert lowest and min(lowest) >= 0
    async with unit_of_work(sessionmaker) as session:
        held = (await session.exec(select(StockMovement).where(StockMovement.item_id == popcorn,
                                                               StockMovement.kind == MovementKind.RESERVATION))).all()
    assert sum(m.reserved_change for m in held) == 10


async def test_a_released_attempt_never_reserves_later_and_a_new_attempt_replaces_the_old(
        sessionmaker: SessionMaker) -> None:
    cinema, booking = uuid.uuid4(), uuid.uuid4()
    popcorn = await make_item(sessionmaker, cinema, 10)
    async with unit_of_work(sessionmaker) as session:  # the saga gave up on attempt 1 before it ran
        assert not await fnb_stock.release(session, booking_id=booking, attempt=1, cinema_id=cinema)
    with pytest.raises(FnbReservationReleased):
        await reserve(sessionmaker, cinema, booking, items={popcorn: 2}, attempt=1)
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 0), "the late attempt held nothing"
    assert await reserve(sessionmaker, cinema, booking, items={popcorn: 2}, attempt=2) == {popcorn: 2}
    assert await reserve(sessionmaker, cinema, booking, items={popcorn: 5}, attempt=3) == {popcorn: 5}
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 5), "attempt 3's order replaced attempt 2's"
    with pytest.raises(FnbReservationReleased):
        await reserve(sessionmaker, cinema, booking, items={popcorn: 2}, attempt=2)
    async with unit_of_work(sessionmaker) as session:
        assert not await fnb_stock.release(session, booking_id=booking, attempt=2), "an older release misses"
        assert await fnb_stock.release(session, booking_id=booking, attempt=3)
    assert await stock_of(sessionmaker, cinema, popcorn) == (10, 0)


async def test_a_cancelled_sale_comes_back_unless_collected(sessionmaker: SessionMaker) -> None:
    cinema = uuid.uuid4()
    popcorn = await make_item(sessionmaker, cinema, 10)
    returned, collected = uuid.uuid4(), uuid.uuid4()
    for booking in (returned, collected):
        await reserve(sessionmaker, cinema, booking, items={popcorn: 2})
        async with unit_of_work(sessionmaker) as session:
            assert await fnb_stock.sell(session, booking_id=booking)
    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(StockReservation).where(  # type: ignore[call-overload]
            col(StockReservation.booking_id) == collected).values(collected_at=func.now()))
    async with unit_of_work(sessionmaker) as session:
        assert await fnb_stock.give_back(session, booking_id=returned)
        assert not await fnb_stock.give_back(session, booking_id=returned), "once"
        assert not await fnb_stock.give_back(session, booking_id=collected), "handed out: not back on the shelf"
    assert await stock_of(sessionmaker, cinema, popcorn) == (8, 0)
    outbox = OUTBOX["fnb"]
    async with unit_of_work(sessionmaker) as session:
        rows = (await session.exec(select(outbox.c.topic, outbox.c.envelope).where(  # type: ignore[call-overload]
            outbox.c.aggregate_id == str(returned)).order_by(outbox.c.id))).all()
    assert [topic for topic, _ in rows] == ["fnb.order.sold", "fnb.order.returned"]
    assert rows[0][1]["data"]["amount"] == 100_000 and rows[0][1]["data"]["lines"][0]["quantity"] == 2
