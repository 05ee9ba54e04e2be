"""All SQL of the bookings context."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings.models import Booking, BookingFnB, BookingSeat, BookingStatus

L = TypeVar("L", BookingSeat, BookingFnB)


class BookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, booking_id: uuid.UUID, *, for_update: bool = False) -> Booking | None:
        stmt = select(Booking).where(Booking.id == booking_id)
        if for_update:
            # populate_existing: a row already loaded in this session is refreshed with the locked values.
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(stmt)).one_or_none()

    async def add(self, *rows: Booking | BookingSeat | BookingFnB) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def seats(self, booking_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[BookingSeat]]:
        return await self._lines(BookingSeat, booking_ids, col(BookingSeat.row), col(BookingSeat.number))

    async def fnb(self, booking_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[BookingFnB]]:
        return await self._lines(BookingFnB, booking_ids, col(BookingFnB.name))

    async def _lines(self, model: type[L], booking_ids: list[uuid.UUID], *order: Any) -> dict[uuid.UUID, list[L]]:
        """The rows of each booking (an empty list for one without), in this order."""
        stmt = select(model).where(col(model.booking_id).in_(booking_ids)).order_by(*order)
        found: dict[uuid.UUID, list[L]] = {booking_id: [] for booking_id in booking_ids}
        for row in (await self.session.exec(stmt)).all():
            found[row.booking_id].append(row)
        return found

    async def has_paid(self, user_id: uuid.UUID) -> bool:
        stmt = select(Booking.id).where(Booking.user_id == user_id, col(Booking.status).in_(
            [BookingStatus.CONFIRMED, BookingStatus.COMPLETED])).limit(1)
        return (await self.session.exec(stmt)).first() is not None

    async def of_user(self, user_id: uuid.UUID, *, offset: int, limit: int) -> tuple[list[Booking], int]:
        where = col(Booking.user_id) == user_id
        total = (await self.session.exec(select(func.count()).select_from(Booking).where(where))).one()
        stmt = (select(Booking).where(where).order_by(col(Booking.created_at).desc(), col(Booking.id))
                .offset(offset).limit(limit))
        return list((await self.session.exec(stmt)).all()), total
