"""All SQL of the bookings context."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings.models import Booking, BookingSeat


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, booking_id: uuid.UUID, *, for_update: bool = False) -> Booking | None:
        stmt = select(Booking).where(Booking.id == booking_id)
        if for_update:
            # populate_existing: a row already loaded in this session is refreshed with the locked values.
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(stmt)).one_or_none()

    async def add(self, *rows: Booking | BookingSeat) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def seats(self, booking_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[BookingSeat]]:
        stmt = select(BookingSeat).where(col(BookingSeat.booking_id).in_(booking_ids)).order_by(
            col(BookingSeat.row), col(BookingSeat.number))
        found: dict[uuid.UUID, list[BookingSeat]] = {booking_id: [] for booking_id in booking_ids}
        for seat in (await self.session.exec(stmt)).all():
            found[seat.booking_id].append(seat)
        return found

    async def of_user(self, user_id: uuid.UUID, *, offset: int, limit: int) -> tuple[list[Booking], int]:
        where = col(Booking.user_id) == user_id
        total = (await self.session.exec(select(func.count()).select_from(Booking).where(where))).one()
        stmt = (select(Booking).where(where).order_by(col(Booking.created_at).desc(), col(Booking.id))
                .offset(offset).limit(limit))
        return list((await self.session.exec(stmt)).all()), total
