"""Counter use cases of the F&B context: hand out a booking's paid pre-order (its ticket's QR names the
booking), the queue of orders waiting at a cinema's counter, and sales without a ticket.
Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from pydantic import TypeAdapter
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas import service as cinemas_service
from domain.contracts.events import FnbLine, FnbOrderSold, Topic
from domain.fnb import stock as fnb_stock
from domain.fnb.errors import (
    FnbAlreadyCollected,
    FnbOrderCancelled,
    FnbOrderNotFound,
    FnbOrderNotPaid,
    FnbWrongCinema,
)
from domain.fnb.models import CounterSale, MovementKind, ReservationStatus, StockReservation
from domain.fnb.schemas import (
    CounterSaleCreate,
    CounterSalePublic,
    FnbOrderPublic,
    OrderLine,
    OrderQueueQuery,
    SoldLine,
)
from domain.shared.outbox import emit
from domain.shared.schemas import Page
from domain.shared.time import LOCAL_TZ

_JSON_TIME = TypeAdapter(datetime)  # details say the time as the API's bodies do

# An order stays in the counter's queue until this long after its showtime started: latecomers still
# collect during the film; past it, the order is only found by its booking id.
PICKUP_WINDOW = timedelta(hours=3)


def _public(order: StockReservation) -> FnbOrderPublic:
    return FnbOrderPublic(booking_id=order.booking_id, cinema_id=order.cinema_id, showtime_id=order.showtime_id,
                          starts_at=order.starts_at, lines=[SoldLine.model_validate(line) for line in order.lines],
                          amount=order.amount, status=order.status, collected_at=order.collected_at,
                          collected_by=order.collected_by)


async def collect(session: AsyncSession, *, booking_id: uuid.UUID, staff_id: uuid.UUID, now: datetime,
                  cinema_id: uuid.UUID | None = None) -> FnbOrderPublic:
    """Hand out a booking's paid F&B order, once; with `cinema_id`, only at that cinema's counter."""
    # The row lock queues a second scan behind the first; it then reads the first one's collected_at.
    order = await session.get(StockReservation, booking_id, with_for_update=True, populate_existing=True)
    if order is None:
        raise FnbOrderNotFound("This booking has no F&B order.", {"bookingId": str(booking_id)})
    if cinema_id is not None and order.cinema_id != cinema_id:
        raise FnbWrongCinema("This order is for another cinema's counter.",
                             {"bookingId": str(booking_id), "cinemaId": str(order.cinema_id)})
    if order.collected_at is not None:
        at = order.collected_at.astimezone(LOCAL_TZ).strftime("%H:%M on %d/%m/%Y")
        raise FnbAlreadyCollected(f"This order was already collected at {at}.", {
            "bookingId": str(booking_id), "collectedAt": _JSON_TIME.dump_python(order.collected_at, mode="json"),
            "collectedBy": str(order.collected_by) if order.collected_by else None})
    if order.status is ReservationStatus.RESERVED:
        raise FnbOrderNotPaid("This booking is not paid yet.", {"bookingId": str(booking_id)})
    if order.status is not ReservationStatus.SOLD:
        raise FnbOrderCancelled("This booking's F&B order was cancelled.",
                                {"bookingId": str(booking_id), "status": order.status.value})
    order.collected_at, order.collected_by = now, staff_id
    session.add(order)
    await session.flush()
    return _public(order)


async def collected_at(session: AsyncSession, *, booking_id: uuid.UUID) -> datetime | None:
    """When the booking's F&B was handed out at the counter (None: not collected, or no order)."""
    order = await session.get(StockReservation, booking_id)
    return order.collected_at if order is not None else None


async def list_orders(session: AsyncSession, *, query: OrderQueueQuery, now: datetime) -> Page[FnbOrderPublic]:
    """One page of a cinema's booking orders: waiting (paid, not collected, by showtime start, up to
    PICKUP_WINDOW after it) or collected (newest first)."""
    await cinemas_service.get_cinema(session, cinema_id=query.cinema_id)
    conditions = [col(StockReservation.cinema_id) == query.cinema_id]
    if query.state == "waiting":
        conditions += [col(StockReservation.status) == ReservationStatus.SOLD,
                       col(StockReservation.collected_at).is_(None),
                       col(StockReservation.starts_at) >= now - PICKUP_WINDOW]
        order_by = [col(StockReservation.starts_at), col(StockReservation.booking_id)]
    else:
        conditions.append(col(StockReservation.collected_at).is_not(None))
        order_by = [col(StockReservation.collected_at).desc(), col(StockReservation.booking_id)]
    total = (await session.exec(select(func.count()).select_from(StockReservation).where(*conditions))).one()
    rows = (await session.exec(select(StockReservation).where(*conditions).order_by(*order_by)
                               .offset(query.offset).limit(query.page_size))).all()
    return Page[FnbOrderPublic](items=[_public(r) for r in rows], total=total, page=query.page,
                                page_size=query.page_size)


def _receipt(sale: CounterSale) -> CounterSalePublic:
    return CounterSalePublic(sale_id=sale.id, cinema_id=sale.cinema_id,
                             lines=[SoldLine.model_validate(line) for line in sale.lines], amount=sale.amount,
                             payment_method=sale.payment_method, sold_by=sale.sold_by, created_at=sale.created_at)


async def sell(session: AsyncSession, *, body: CounterSaleCreate, staff_id: uuid.UUID,
               now: datetime) -> CounterSalePublic:
    """Sell F&B at the counter: the units leave the stock at once, all or nothing (FnbOutOfStock names what
    is short), each ledger row naming the sale and the staff member; answer the receipt."""
    await cinemas_service.get_cinema(session, cinema_id=body.cinema_id)
    sale_id = uuid.uuid4()
    lines: list[OrderLine] = list(body.items)
    sold, _ = await fnb_stock.take(session, cinema_id=body.cinema_id, lines=lines, kind=MovementKind.SALE,
                                   reason="Counter sale", sale_id=sale_id, actor_id=staff_id)
    sale = CounterSale(id=sale_id, cinema_id=body.cinema_id, lines=[line.model_dump(mode="json") for line in sold],
                       amount=sum(line.amount for line in sold), payment_method=body.payment_method,
                       sold_by=staff_id, created_at=now)
    session.add(sale)
    await session.flush()
    await emit(session, Topic.FNB_ORDER_SOLD, FnbOrderSold(
        cinema_id=sale.cinema_id, sale_id=sale.id, lines=[FnbLine.model_validate(line) for line in sale.lines],
        amount=sale.amount, payment_method=sale.payment_method, sold_at=now), aggregate_id=sale.id)
    return _receipt(sale)
