"""Stock use cases: reserve, release and sell for a booking (all or nothing, idempotent on the booking id),
and staff movements. Services flush, never commit: the caller owns the transaction.

Stock rows of one order are locked in item-id order (SELECT ... FOR UPDATE), so concurrent orders that
share items queue behind each other without deadlocks; the CHECK on `fnb.stock` stops a negative stock
even if code were wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import FnbLine, FnbOrderReturned, FnbOrderSold, StockLow, Topic
from domain.fnb.errors import FnbComboNotFound, FnbItemNotFound, FnbNotSold, FnbOutOfStock, FnbReservationReleased
from domain.fnb.models import (
    ComboItem,
    FnbCombo,
    FnbItem,
    MovementKind,
    ReservationComponent,
    ReservationStatus,
    Stock,
    StockMovement,
    StockReservation,
)
from domain.fnb.rules import components, crossed_low, shortages
from domain.fnb.schemas import FnbReserved, OrderLine, SoldLine
from domain.shared.outbox import emit
from domain.shared.time import utcnow


async def lock_stock(session: AsyncSession, cinema_id: uuid.UUID, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, Stock]:
    """Lock the cinema's stock rows of these items, in item-id order (the one order every writer uses)."""
    stmt = (select(Stock).where(Stock.cinema_id == cinema_id, col(Stock.item_id).in_(sorted(item_ids)))
            .order_by(col(Stock.item_id)).with_for_update().execution_options(populate_existing=True))
    return {s.item_id: s for s in (await session.exec(stmt)).all()}


async def move(session: AsyncSession, stock: Stock, *, kind: MovementKind, quantity: int, reserved_change: int = 0,
               reason: str = "", booking_id: uuid.UUID | None = None, actor_id: uuid.UUID | None = None,
               sale_id: uuid.UUID | None = None) -> None:
    """Apply one movement to a locked stock row and write its ledger row; emit fnb.stock.low on a crossing."""
    before = stock.available
    stock.on_hand += quantity
    stock.reserved += reserved_change
    session.add(stock)
    session.add(StockMovement(cinema_id=stock.cinema_id, item_id=stock.item_id, kind=kind, quantity=quantity,
                              reserved_change=reserved_change, reason=reason, booking_id=booking_id,
                              sale_id=sale_id, actor_id=actor_id))
    await session.flush()
    if crossed_low(before, stock.available, stock.low_stock_threshold):
        await emit(session, Topic.FNB_STOCK_LOW, StockLow(cinema_id=stock.cinema_id, item_id=stock.item_id,
                                                          quantity=stock.available,
                                                          threshold=stock.low_stock_threshold),
                   aggregate_id=stock.item_id)


async def _combos(session: AsyncSession, cinema_id: uuid.UUID, combo_ids: list[uuid.UUID],
                  ) -> tuple[dict[uuid.UUID, FnbCombo], dict[uuid.UUID, dict[uuid.UUID, int]]]:
    """The combos on sale at the cinema and their recipes as they are now; refuses unknown or off-sale ones."""
    if not combo_ids:
        return {}, {}
    found = {c.id: c for c in (await session.exec(select(FnbCombo).where(col(FnbCombo.id).in_(combo_ids)))).all()}
    for combo_id in combo_ids:
        if combo_id not in found:
            raise FnbComboNotFound("No such combo.", {"comboId": str(combo_id)})
        if not found[combo_id].is_available or cinema_id in found[combo_id].hidden_at:
            raise FnbNotSold(f"{found[combo_id].name} is not on sale here.", {"comboId": str(combo_id)})
    rows = (await session.exec(select(ComboItem).where(col(ComboItem.combo_id).in_(combo_ids)))).all()
    recipes: dict[uuid.UUID, dict[uuid.UUID, int]] = {combo_id: {} for combo_id in combo_ids}
    for row in rows:
        recipes[row.combo_id][row.item_id] = row.quantity
    return found, recipes


async def _items(session: AsyncSession, cinema_id: uuid.UUID, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, FnbItem]:
    """The items on sale at the cinema (an item ordered alone must be); refuses unknown or off-sale ones."""
    if not item_ids:
        return {}
    items = {i.id: i for i in (await session.exec(select(FnbItem).where(col(FnbItem.id).in_(item_ids)))).all()}
    for item_id in item_ids:
        if item_id not in items:
            raise FnbItemNotFound("No such item.", {"itemId": str(item_id)})
        if not items[item_id].is_available or cinema_id in items[item_id].hidden_at:
            raise FnbNotSold(f"{items[item_id].name} is not on sale here.", {"itemId": str(item_id)})
    return items


def _sold(line: OrderLine, items: Mapping[uuid.UUID, FnbItem], combos: Mapping[uuid.UUID, FnbCombo]) -> SoldLine:
    """A line with its product's name and price now."""
    if line.item_id is not None:
        item = items[line.item_id]
        return SoldLine(item_id=item.id, name=item.name, quantity=line.quantity, unit_price=item.price)
    assert line.combo_id is not None
    combo = combos[line.combo_id]
    return SoldLine(combo_id=combo.id, name=combo.name, quantity=line.quantity, unit_price=combo.price)


def _units(lines: Sequence[OrderLine]) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    items: dict[uuid.UUID, int] = {}
    combos: dict[uuid.UUID, int] = {}
    for line in lines:
        into, key = (items, line.item_id) if line.item_id is not None else (combos, line.combo_id)
        assert key is not None
        into[key] = into.get(key, 0) + line.quantity
    return items, combos


async def take(session: AsyncSession, *, cinema_id: uuid.UUID, lines: Sequence[OrderLine], kind: MovementKind,
               reason: str, booking_id: uuid.UUID | None = None, sale_id: uuid.UUID | None = None,
               actor_id: uuid.UUID | None = None,
               free: Sequence[OrderLine] = ()) -> tuple[list[SoldLine], dict[uuid.UUID, int]]:
    """Price an order and take its components from the cinema's stock, all or nothing: held for a pre-order
    (kind Reservation) or gone at once (a counter Sale). `free` lines (a FreeItem voucher's) cost 0 VND.
    FnbOutOfStock names what is short."""
    items, combos = _units([*lines, *free])
    combo_rows, recipes = await _combos(session, cinema_id, sorted(combos))
    item_rows = await _items(session, cinema_id, sorted(items))  # read once: checked, priced, expanded
    sold = [_sold(line, item_rows, combo_rows) for line in lines]
    for line in free:  # a FreeItem voucher's lines cost nothing
        given = _sold(line, item_rows, combo_rows)
        sold.append(given.model_copy(update={"unit_price": 0, "name": f"{given.name} (voucher)"}))
    needed = components(items.items(), [(recipes[c], q) for c, q in combos.items()])
    stocks = await lock_stock(session, cinema_id, list(needed))
    short = shortages(needed, {i: s.available for i, s in stocks.items()})
    if short:
        raise FnbOutOfStock("Not enough stock for this order.", [
            {"itemId": str(s.item_id), "needed": s.needed, "available": s.available} for s in short])
    held = kind is MovementKind.RESERVATION
    for item_id, quantity in sorted(needed.items()):
        await move(session, stocks[item_id], kind=kind, quantity=0 if held else -quantity,
                   reserved_change=quantity if held else 0, booking_id=booking_id, reason=reason,
                   actor_id=actor_id, sale_id=sale_id)
    return sold, needed


async def reserve(session: AsyncSession, *, booking_id: uuid.UUID, cinema_id: uuid.UUID, lines: Sequence[OrderLine],
                  attempt: int = 0, showtime_id: uuid.UUID | None = None, starts_at: datetime | None = None,
                  free: Sequence[OrderLine] = ()) -> FnbReserved:
    """Hold the components of a booking's order at a cinema, all or nothing; FnbOutOfStock names what is short.

    Idempotent on (booking, attempt): a retry answers the same order. A newer checkout attempt replaces an
    older attempt's order; an attempt already released (or older than the one held) is refused, so a late
    retry never holds stock after its compensation ran."""
    claimed = (await session.exec(insert(StockReservation).values(  # type: ignore[call-overload]
        booking_id=booking_id, cinema_id=cinema_id, attempt=attempt).on_conflict_do_nothing()
        .returning(StockReservation.booking_id))).first()
    reservation = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
    assert reservation is not None
    if claimed is None:  # a retry or a new attempt (waits for a running one)
        if reservation.attempt > attempt or (reservation.attempt == attempt
                                             and reservation.status is ReservationStatus.RELEASED):
            raise FnbReservationReleased("This booking's F&B was released.", {"bookingId": str(booking_id)})
        if reservation.attempt == attempt:  # the same attempt again: its answer
            return FnbReserved(lines=[SoldLine.model_validate(line) for line in reservation.lines],
                               amount=reservation.amount)
        if reservation.status in (ReservationStatus.SOLD, ReservationStatus.RETURNED):
            raise FnbReservationReleased("This booking's F&B order is final.", {"bookingId": str(booking_id)})
        await _settle(session, booking_id, ReservationStatus.RELEASED)  # an older attempt's order, if still held
        await session.exec(delete(ReservationComponent).where(  # type: ignore[call-overload]
            col(ReservationComponent.booking_id) == booking_id))
    sold, needed = await take(session, cinema_id=cinema_id, lines=lines, kind=MovementKind.RESERVATION,
                              reason="Pre-order", booking_id=booking_id, free=free)
    session.add_all([ReservationComponent(booking_id=booking_id, item_id=i, quantity=q) for i, q in needed.items()])
    reservation.status, reservation.attempt, reservation.cinema_id = ReservationStatus.RESERVED, attempt, cinema_id
    reservation.showtime_id, reservation.starts_at = showtime_id, starts_at
    reservation.lines = [line.model_dump(mode="json") for line in sold]
    reservation.amount = sum(line.amount for line in sold)
    session.add(reservation)
    await session.flush()
    return FnbReserved(lines=sold, amount=reservation.amount)


async def current_from_ledger(session: AsyncSession, *, cinema_id: uuid.UUID,
                              item_id: uuid.UUID) -> tuple[int, int]:
    """(on_hand, reserved) as the sums of the ledger: what the stock row must say."""
    stmt = (select(func.coalesce(func.sum(StockMovement.quantity), 0),
                   func.coalesce(func.sum(StockMovement.reserved_change), 0))
            .where(StockMovement.cinema_id == cinema_id, StockMovement.item_id == item_id))
    on_hand, reserved = (await session.exec(stmt)).one()  # type: ignore[call-overload]
    return int(on_hand), int(reserved)


async def reserved_components(session: AsyncSession, *, booking_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = (await session.exec(select(ReservationComponent)
                               .where(ReservationComponent.booking_id == booking_id))).all()
    return {r.item_id: r.quantity for r in rows}


async def _settle(session: AsyncSession, booking_id: uuid.UUID, status: ReservationStatus) -> bool:
    reservation = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
    if reservation is None or reservation.status is not ReservationStatus.RESERVED:
        return False
    held = await reserved_components(session, booking_id=booking_id)
    stocks = await lock_stock(session, reservation.cinema_id, list(held))
    for item_id, quantity in sorted(held.items()):
        if status is ReservationStatus.SOLD:
            await move(session, stocks[item_id], kind=MovementKind.SALE, quantity=-quantity,
                       reserved_change=-quantity, booking_id=booking_id, reason="Pre-order paid")
        else:
            await move(session, stocks[item_id], kind=MovementKind.RELEASE, quantity=0, reserved_change=-quantity,
                       booking_id=booking_id, reason="Pre-order released")
    reservation.status = status
    session.add(reservation)
    await session.flush()
    if status is ReservationStatus.SOLD:
        await emit(session, Topic.FNB_ORDER_SOLD, FnbOrderSold(
            cinema_id=reservation.cinema_id, booking_id=booking_id, lines=[FnbLine.model_validate(line) for line in
                                                                           reservation.lines],
            amount=reservation.amount, sold_at=utcnow()), aggregate_id=booking_id)
    return True


async def release(session: AsyncSession, *, booking_id: uuid.UUID, attempt: int = 0,
                  cinema_id: uuid.UUID | None = None) -> bool:
    """Compensates reserve: give the held units back. A no-op (False) when nothing is held; a release of an
    attempt that has not reserved (yet) leaves a released mark, so that attempt can never reserve later."""
    if cinema_id is not None:
        await session.exec(insert(StockReservation).values(  # type: ignore[call-overload]
            booking_id=booking_id, cinema_id=cinema_id, attempt=attempt,
            status=ReservationStatus.RELEASED).on_conflict_do_nothing())
    reservation = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
    if reservation is None or reservation.attempt > attempt:
        return False
    released = await _settle(session, booking_id, ReservationStatus.RELEASED)
    if reservation.attempt < attempt and reservation.status is ReservationStatus.RELEASED:
        reservation.attempt = attempt
        session.add(reservation)
        await session.flush()
    return released


async def sell(session: AsyncSession, *, booking_id: uuid.UUID) -> bool:
    """The booking is paid: its held units leave the stock as a sale of the components recorded when reserved.
    A no-op (False) when already sold or nothing is held."""
    return await _settle(session, booking_id, ReservationStatus.SOLD)


async def give_back(session: AsyncSession, *, booking_id: uuid.UUID) -> bool:
    """A paid booking was cancelled: its sold units go back on hand (kind Return), unless the order was
    collected at the counter. A no-op (False) when there is nothing to give back."""
    reservation = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
    if reservation is None or reservation.status is not ReservationStatus.SOLD or reservation.collected_at:
        return False
    sold = await reserved_components(session, booking_id=booking_id)
    stocks = await lock_stock(session, reservation.cinema_id, list(sold))
    for item_id, quantity in sorted(sold.items()):
        await move(session, stocks[item_id], kind=MovementKind.RETURN, quantity=quantity, booking_id=booking_id,
                   reason="Booking cancelled before pickup")
    reservation.status = ReservationStatus.RETURNED
    session.add(reservation)
    await session.flush()
    await emit(session, Topic.FNB_ORDER_RETURNED, FnbOrderReturned(
        cinema_id=reservation.cinema_id, booking_id=booking_id, amount=reservation.amount, returned_at=utcnow()),
        aggregate_id=booking_id)
    return True


def insert_stock(cinema_id: uuid.UUID, item_id: uuid.UUID) -> Any:
    """The statement that makes a cinema's (empty) stock row of an item if it has none."""
    return insert(Stock).values(cinema_id=cinema_id, item_id=item_id, on_hand=0, reserved=0,
                                low_stock_threshold=10).on_conflict_do_nothing()
