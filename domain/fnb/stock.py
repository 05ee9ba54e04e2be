"""Stock use cases: reserve, release and sell for a booking (all or nothing, idempotent on the booking id),
and staff movements. Services flush, never commit: the caller owns the transaction.

Stock rows of one order are locked in item-id order (SELECT ... FOR UPDATE), so concurrent orders that
share items queue behind each other without deadlocks; the CHECK on `fnb.stock` stops a negative stock
even if code were wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import StockLow, Topic
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
from domain.shared.outbox import emit


async def lock_stock(session: AsyncSession, cinema_id: uuid.UUID, item_ids: list[uuid.UUID]) -> dict[uuid.UUID, Stock]:
    """Lock the cinema's stock rows of these items, in item-id order (the one order every writer uses)."""
    stmt = (select(Stock).where(Stock.cinema_id == cinema_id, col(Stock.item_id).in_(sorted(item_ids)))
            .order_by(col(Stock.item_id)).with_for_update().execution_options(populate_existing=True))
    return {s.item_id: s for s in (await session.exec(stmt)).all()}


async def move(session: AsyncSession, stock: Stock, *, kind: MovementKind, quantity: int, reserved_change: int = 0,
               reason: str = "", booking_id: uuid.UUID | None = None, actor_id: uuid.UUID | None = None) -> None:
    """Apply one movement to a locked stock row and write its ledger row; emit fnb.stock.low on a crossing."""
    before = stock.available
    stock.on_hand += quantity
    stock.reserved += reserved_change
    session.add(stock)
    session.add(StockMovement(cinema_id=stock.cinema_id, item_id=stock.item_id, kind=kind, quantity=quantity,
                              reserved_change=reserved_change, reason=reason, booking_id=booking_id,
                              actor_id=actor_id))
    await session.flush()
    if crossed_low(before, stock.available, stock.low_stock_threshold):
        await emit(session, Topic.FNB_STOCK_LOW, StockLow(cinema_id=stock.cinema_id, item_id=stock.item_id,
                                                          quantity=stock.available,
                                                          threshold=stock.low_stock_threshold),
                   aggregate_id=stock.item_id)


async def _recipes(session: AsyncSession, cinema_id: uuid.UUID,
                   combo_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    if not combo_ids:
        return {}
    combos = (await session.exec(select(FnbCombo).where(col(FnbCombo.id).in_(combo_ids)))).all()
    found = {c.id: c for c in combos}
    for combo_id in combo_ids:
        if combo_id not in found:
            raise FnbComboNotFound("No such combo.", {"comboId": str(combo_id)})
        if not found[combo_id].is_available or cinema_id in found[combo_id].hidden_at:
            raise FnbNotSold(f"{found[combo_id].name} is not on sale here.", {"comboId": str(combo_id)})
    rows = (await session.exec(select(ComboItem).where(col(ComboItem.combo_id).in_(combo_ids)))).all()
    recipes: dict[uuid.UUID, dict[uuid.UUID, int]] = {combo_id: {} for combo_id in combo_ids}
    for row in rows:
        recipes[row.combo_id][row.item_id] = row.quantity
    return recipes


async def _check_items(session: AsyncSession, cinema_id: uuid.UUID, item_ids: list[uuid.UUID]) -> None:
    items = {i.id: i for i in (await session.exec(select(FnbItem).where(col(FnbItem.id).in_(item_ids)))).all()}
    for item_id in item_ids:
        if item_id not in items:
            raise FnbItemNotFound("No such item.", {"itemId": str(item_id)})
        if not items[item_id].is_available or cinema_id in items[item_id].hidden_at:
            raise FnbNotSold(f"{items[item_id].name} is not on sale here.", {"itemId": str(item_id)})


async def needed_units(session: AsyncSession, *, cinema_id: uuid.UUID, items: Mapping[uuid.UUID, int],
                       combos: Mapping[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    """Units of each item an order of items and combos takes at a cinema, by the recipes as they are now.
    An item sold alone must be on sale there; a combo's components need only stock."""
    recipes = await _recipes(session, cinema_id, sorted(combos))
    await _check_items(session, cinema_id, sorted(items))
    return components(items.items(), [(recipes[c], q) for c, q in combos.items()])


async def reserve(session: AsyncSession, *, booking_id: uuid.UUID, cinema_id: uuid.UUID,
                  items: Mapping[uuid.UUID, int], combos: Mapping[uuid.UUID, int]) -> dict[uuid.UUID, int]:
    """Hold the components of an order at a cinema, all or nothing; FnbOutOfStock names what is short.

    Idempotent on booking_id: a booking already holding (or sold) answers its components again."""
    claimed = (await session.exec(insert(StockReservation).values(booking_id=booking_id, cinema_id=cinema_id)  # type: ignore[call-overload]
                                  .on_conflict_do_nothing().returning(StockReservation.booking_id))).first()
    if claimed is None:  # a retry: the first attempt's answer (waits for it if still running)
        existing = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
        assert existing is not None
        if existing.status is ReservationStatus.RELEASED:
            raise FnbReservationReleased("This booking's F&B was released.", {"bookingId": str(booking_id)})
        return await reserved_components(session, booking_id=booking_id)
    needed = await needed_units(session, cinema_id=cinema_id, items=items, combos=combos)
    stocks = await lock_stock(session, cinema_id, list(needed))
    short = shortages(needed, {i: s.available for i, s in stocks.items()})
    if short:
        raise FnbOutOfStock("Not enough stock for this order.", [
            {"itemId": str(s.item_id), "needed": s.needed, "available": s.available} for s in short])
    for item_id, quantity in sorted(needed.items()):
        session.add(ReservationComponent(booking_id=booking_id, item_id=item_id, quantity=quantity))
        await move(session, stocks[item_id], kind=MovementKind.RESERVATION, quantity=0, reserved_change=quantity,
                   booking_id=booking_id, reason="Pre-order")
    return needed


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
    return True


async def release(session: AsyncSession, *, booking_id: uuid.UUID) -> bool:
    """Compensates reserve: give the held units back. A no-op (False) when nothing is held."""
    return await _settle(session, booking_id, ReservationStatus.RELEASED)


async def sell(session: AsyncSession, *, booking_id: uuid.UUID) -> bool:
    """The booking is paid: its held units leave the stock as a sale of the components recorded when reserved.
    A no-op (False) when already sold or nothing is held."""
    return await _settle(session, booking_id, ReservationStatus.SOLD)


def insert_stock(cinema_id: uuid.UUID, item_id: uuid.UUID) -> Any:
    """The statement that makes a cinema's (empty) stock row of an item if it has none."""
    return insert(Stock).values(cinema_id=cinema_id, item_id=item_id, on_hand=0, reserved=0,
                                low_stock_threshold=10).on_conflict_do_nothing()
