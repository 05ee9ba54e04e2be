"""All SQL of the cinemas context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas.layout import PlannedSeat
from domain.cinemas.models import Cinema, CinemaStatus, Seat, Theater

EARTH_RADIUS_KM = 6371.0088


def distance_km(lat: float, lng: float) -> Any:
    """Haversine distance in SQL from (lat, lng) to each cinema, in km."""
    dlat = func.radians(col(Cinema.latitude) - lat)
    dlng = func.radians(col(Cinema.longitude) - lng)
    a = (func.power(func.sin(dlat / 2), 2)
         + func.cos(func.radians(lat)) * func.cos(func.radians(col(Cinema.latitude)))
         * func.power(func.sin(dlng / 2), 2))
    return 2 * EARTH_RADIUS_KM * func.asin(func.least(1.0, func.sqrt(a)))  # rounding can push it past 1


def _fold(value: Any) -> Any:
    """Accent- and case-blind form for comparing names typed by people ('ha noi' = 'Hà Nội')."""
    return func.lower(func.public.unaccent(value))


class CinemasRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cinema(self, cinema_id: uuid.UUID, *, for_update: bool = False) -> Cinema | None:
        stmt = select(Cinema).where(Cinema.id == cinema_id, col(Cinema.deleted_at).is_(None))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.exec(stmt)).one_or_none()

    async def cinema_by_name(self, name: str) -> Cinema | None:
        """Any cinema with this name, deleted ones too (names stay unique)."""
        return (await self.session.exec(select(Cinema).where(Cinema.name == name))).one_or_none()

    async def cinemas(self, *, city: str | None, status: CinemaStatus | None, offset: int,
                      limit: int) -> tuple[list[Cinema], int]:
        stmt: Select[Any] = select(Cinema).where(col(Cinema.deleted_at).is_(None))
        if city:
            stmt = stmt.where(_fold(col(Cinema.city)) == _fold(city))
        if status:
            stmt = stmt.where(Cinema.status == status)
        total = await self._count(stmt)
        page = stmt.order_by(col(Cinema.city), col(Cinema.name), col(Cinema.id)).offset(offset).limit(limit)
        return list((await self.session.exec(page)).all()), total

    async def nearby(self, *, lat: float, lng: float, radius_km: float, offset: int,
                     limit: int) -> tuple[list[tuple[Cinema, float]], int]:
        """Active cinemas within `radius_km` of the point, nearest first, with their distance."""
        distance = distance_km(lat, lng).label("distance_km")
        stmt: Select[Any] = (select(Cinema, distance)
                             .where(col(Cinema.deleted_at).is_(None), Cinema.status == CinemaStatus.ACTIVE,
                                    distance_km(lat, lng) <= radius_km))
        total = await self._count(stmt)
        page = stmt.order_by(distance, col(Cinema.id)).offset(offset).limit(limit)
        rows = (await self.session.exec(page)).all()  # type: ignore[call-overload]
        return [(cinema, float(km)) for cinema, km in rows], total

    async def theater(self, theater_id: uuid.UUID, *, for_update: bool = False) -> Theater | None:
        stmt = select(Theater).where(Theater.id == theater_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.exec(stmt)).one_or_none()

    async def theater_by_name(self, cinema_id: uuid.UUID, name: str) -> Theater | None:
        stmt = select(Theater).where(Theater.cinema_id == cinema_id, Theater.name == name)
        return (await self.session.exec(stmt)).one_or_none()

    async def theaters(self, cinema_id: uuid.UUID, *, offset: int, limit: int) -> tuple[list[Theater], int]:
        stmt: Select[Any] = select(Theater).where(Theater.cinema_id == cinema_id)
        total = await self._count(stmt)
        page = stmt.order_by(col(Theater.name), col(Theater.id)).offset(offset).limit(limit)
        return list((await self.session.exec(page)).all()), total

    async def theater_ids(self, cinema_id: uuid.UUID) -> list[uuid.UUID]:
        stmt = select(Theater.id).where(Theater.cinema_id == cinema_id).order_by(col(Theater.name))
        return list((await self.session.exec(stmt)).all())

    async def seats(self, theater_id: uuid.UUID) -> list[Seat]:
        stmt = select(Seat).where(Seat.theater_id == theater_id).order_by(col(Seat.row), col(Seat.number))
        return list((await self.session.exec(stmt)).all())

    async def seat(self, theater_id: uuid.UUID, seat_id: uuid.UUID) -> Seat | None:
        stmt = select(Seat).where(Seat.id == seat_id, Seat.theater_id == theater_id)
        return (await self.session.exec(stmt)).one_or_none()

    async def replace_seats(self, theater_id: uuid.UUID, planned: Sequence[PlannedSeat]) -> list[Seat]:
        """Make the theater's seats exactly `planned`. A seat whose row and number stay keeps its id, so
        what refers to it (tickets of past showtimes) still finds it."""
        current = {(s.row, s.number): s for s in await self.seats(theater_id)}
        seats = []
        for plan in planned:
            seat = current.pop((plan.row, plan.number), None) or Seat(
                theater_id=theater_id, row=plan.row, number=plan.number, column=plan.column)
            seat.column, seat.type, seat.status = plan.column, plan.type, plan.status
            seat.pair_seat_id = None  # pairs are set once every seat has a row to point at
            seats.append(seat)
        for gone in current.values():
            await self.session.delete(gone)
        self.session.add_all(seats)
        await self.session.flush()
        by_place = {(s.row, s.number): s for s in seats}
        for plan, seat in zip(planned, seats, strict=True):
            if plan.pair_number is not None:
                seat.pair_seat_id = by_place[(plan.row, plan.pair_number)].id
        await self.session.flush()
        return seats

    async def add(self, *rows: Cinema | Theater) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def save(self, row: Cinema | Theater | Seat) -> None:
        """Flush a change and reload it, so server-set columns (updated_at) are readable without I/O."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

    async def _count(self, stmt: Select[Any]) -> int:
        return (await self.session.exec(select(func.count()).select_from(stmt.subquery()))).one()  # type: ignore[no-any-return]
