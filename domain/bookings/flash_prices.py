"""A hold's flash prices: the running flash sale that covers the showtime prices the seats just claimed, in the
hold's own transaction (a refused flash claim gives the seats back with it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions import flash_sales
from domain.promotions.flash_rules import pick
from domain.promotions.flash_schemas import FlashTicketsHeld
from domain.showtimes import service as showtimes_service
from domain.showtimes.schemas import SeatLine


async def price_hold(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, showtime_id: uuid.UUID,
                     seats: list[SeatLine], held_until: datetime, now: datetime,
                     accept_regular: bool = False) -> tuple[list[SeatLine], FlashTicketsHeld | None]:
    """The held seats at their flash prices and the flash tickets taken, or as they are when no sale covers
    them. One indexed read when no sale is running."""
    running = [flash_sales.terms(sale) for sale in await flash_sales.running(session, now=now)]
    if not running:
        return seats, None
    movie_id = None
    if any(sale.movie_id is not None and showtime_id not in sale.showtime_ids for sale in running):
        movie_id = (await showtimes_service.get_showtime(session, showtime_id=showtime_id)).movie_id
    sale = pick(running, showtime_id=showtime_id, movie_id=movie_id, at=now)
    if sale is None:
        return seats, None
    prices, held = await flash_sales.claim(session, sale=sale, booking_id=booking_id, user_id=user_id,
                                           seats=[(seat.type, seat.price) for seat in seats], held_until=held_until,
                                           now=now, accept_regular=accept_regular)
    return [seat.model_copy(update={"price": price}) for seat, price in zip(seats, prices, strict=True)], held
