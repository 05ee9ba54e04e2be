"""All SQL of the showtimes context."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.showtimes.models import SeatPricing, SeatStatus, Showtime, ShowtimeSeat, ShowtimeStatus

EXCLUSION_VIOLATION = "23P01"
NO_OVERLAP = "ex_showtime_theater_no_overlap"


def is_overlap(error: IntegrityError) -> bool:
    """Whether an insert or update broke the one-showtime-at-a-time rule of a theater."""
    orig = error.orig
    return getattr(orig, "sqlstate", None) == EXCLUSION_VIOLATION or NO_OVERLAP in str(orig)


@dataclass(frozen=True)
class SeatCounts:
    available: int
    total: int


def _live() -> object:
    return col(Showtime.status) != ShowtimeStatus.CANCELLED


def _claimable(now: datetime) -> object:
    """Seats a customer could take now: free, or held by a hold that has run out."""
    return or_(
        col(ShowtimeSeat.status) == SeatStatus.AVAILABLE,
        and_(col(ShowtimeSeat.status) == SeatStatus.LOCKED, col(ShowtimeSeat.locked_until) <= now),
    )


_ONE_SCHEDULER_AT_A_TIME = text("SELECT pg_advisory_xact_lock(hashtextextended('schedule:' || :theater_id, 0))")


class ShowtimeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, showtime_id: uuid.UUID, *, for_update: bool = False) -> Showtime | None:
        stmt = select(Showtime).where(Showtime.id == showtime_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.exec(stmt)).one_or_none()

    async def lock_theater_schedule(self, theater_id: uuid.UUID) -> None:
        """Take the theater's schedule lock until the transaction ends. Two overlapping inserts checked by
        the exclusion constraint at once wait for each other (a deadlock, not a clean refusal), so writers
        of one theater's times queue here first and the second meets the constraint after the first."""
        await self.session.exec(_ONE_SCHEDULER_AT_A_TIME, params={"theater_id": str(theater_id)})

    async def add(self, *rows: Showtime | SeatPricing | ShowtimeSeat) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def add_seats(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert a showtime's seats in one multi-row statement (no ORM objects: a house has hundreds)."""
        if rows:
            await self.session.exec(insert(ShowtimeSeat), params=list(rows))

    async def save(self, row: Showtime | SeatPricing) -> None:
        """Flush a change and reload server-set columns (updated_at)."""
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)

    async def count_future(
        self, *, now: datetime, movie_id: uuid.UUID | None = None, theater_id: uuid.UUID | None = None
    ) -> int:
        conditions = [_live(), col(Showtime.start_time) > now]
        if movie_id is not None:
            conditions.append(col(Showtime.movie_id) == movie_id)
        if theater_id is not None:
            conditions.append(col(Showtime.theater_id) == theater_id)
        return (await self.session.exec(select(func.count()).select_from(Showtime).where(*conditions))).one()

    async def clashing(
        self, *, theater_id: uuid.UUID, start: datetime, end: datetime, exclude_id: uuid.UUID | None = None
    ) -> Showtime | None:
        """A live showtime of the theater whose [start, end) overlaps this one, the earliest first."""
        stmt = (
            select(Showtime)
            .where(
                col(Showtime.theater_id) == theater_id,
                _live(),
                col(Showtime.start_time) < end,
                col(Showtime.end_time) > start,
            )
            .order_by(col(Showtime.start_time))
            .limit(1)
        )
        if exclude_id is not None:
            stmt = stmt.where(col(Showtime.id) != exclude_id)
        return (await self.session.exec(stmt)).first()

    async def search(
        self,
        *,
        movie_id: uuid.UUID | None,
        cinema_id: uuid.UUID | None,
        theater_id: uuid.UUID | None,
        starts_from: datetime | None,
        starts_before: datetime | None,
        statuses: Collection[ShowtimeStatus],
        offset: int,
        limit: int,
    ) -> tuple[list[Showtime], int]:
        """One page of showtimes in start order, and the count of all that match."""
        conditions = [col(Showtime.status).in_(list(statuses))]
        for column, value in (
            (Showtime.movie_id, movie_id),
            (Showtime.cinema_id, cinema_id),
            (Showtime.theater_id, theater_id),
        ):
            if value is not None:
                conditions.append(col(column) == value)
        if starts_from is not None:
            conditions.append(col(Showtime.start_time) >= starts_from)
        if starts_before is not None:
            conditions.append(col(Showtime.start_time) < starts_before)
        total = (await self.session.exec(select(func.count()).select_from(Showtime).where(*conditions))).one()
        stmt = (
            select(Showtime)
            .where(*conditions)
            .order_by(col(Showtime.start_time), col(Showtime.id))
            .offset(offset)
            .limit(limit)
        )
        return list((await self.session.exec(stmt)).all()), total

    async def seats(self, showtime_id: uuid.UUID) -> list[ShowtimeSeat]:
        stmt = (
            select(ShowtimeSeat)
            .where(col(ShowtimeSeat.showtime_id) == showtime_id)
            .order_by(col(ShowtimeSeat.row), col(ShowtimeSeat.number))
        )
        return list((await self.session.exec(stmt)).all())

    async def seats_in_rows_of(self, showtime_id: uuid.UUID, seat_ids: Sequence[uuid.UUID]) -> list[ShowtimeSeat]:
        """Every seat of the rows the given seats are in (what the no-lone-seat rule looks at)."""
        rows = select(ShowtimeSeat.row).where(col(ShowtimeSeat.showtime_id) == showtime_id,
                                              col(ShowtimeSeat.seat_id).in_(seat_ids))
        stmt = select(ShowtimeSeat).where(col(ShowtimeSeat.showtime_id) == showtime_id,
                                          col(ShowtimeSeat.row).in_(rows))
        return list((await self.session.exec(stmt)).all())

    async def seat_counts(
        self, showtime_ids: Sequence[uuid.UUID], *, now: datetime
    ) -> dict[uuid.UUID, SeatCounts]:
        if not showtime_ids:
            return {}
        claimable = func.count().filter(_claimable(now))  # type: ignore[arg-type]
        stmt = (
            select(col(ShowtimeSeat.showtime_id), claimable, func.count())
            .where(col(ShowtimeSeat.showtime_id).in_(list(showtime_ids)))
            .group_by(col(ShowtimeSeat.showtime_id))
        )
        rows = (await self.session.exec(stmt)).all()
        return {showtime_id: SeatCounts(available=free, total=total) for showtime_id, free, total in rows}

    async def pricing(self, showtime_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[SeatPricing]]:
        found: dict[uuid.UUID, list[SeatPricing]] = {showtime_id: [] for showtime_id in showtime_ids}
        if not showtime_ids:
            return found
        stmt = select(SeatPricing).where(col(SeatPricing.showtime_id).in_(list(showtime_ids)))
        for row in (await self.session.exec(stmt)).all():
            found[row.showtime_id].append(row)
        return found

    async def count_sold_or_held(self, showtime_id: uuid.UUID, *, now: datetime) -> int:
        """Seats bought, or held by a hold that is still running."""
        held = and_(col(ShowtimeSeat.status) == SeatStatus.LOCKED, col(ShowtimeSeat.locked_until) > now)
        stmt = (
            select(func.count())
            .select_from(ShowtimeSeat)
            .where(
                col(ShowtimeSeat.showtime_id) == showtime_id,
                or_(col(ShowtimeSeat.status) == SeatStatus.BOOKED, held),
            )
        )
        return (await self.session.exec(stmt)).one()

    async def block_unsold(self, showtime_id: uuid.UUID, *, now: datetime) -> int:
        """Take every seat not bought off sale; return how many of them a running hold had."""
        of_showtime = col(ShowtimeSeat.showtime_id) == showtime_id
        held = await self.session.exec(
            update(ShowtimeSeat)
            .where(of_showtime, col(ShowtimeSeat.status) == SeatStatus.LOCKED)
            .values(status=SeatStatus.BLOCKED, updated_at=func.now())
            .returning(col(ShowtimeSeat.locked_until))
        )
        await self.session.exec(
            update(ShowtimeSeat)
            .where(of_showtime, col(ShowtimeSeat.status) == SeatStatus.AVAILABLE)
            .values(status=SeatStatus.BLOCKED, updated_at=func.now())
        )
        return sum(1 for until in held.scalars() if until is not None and until > now)

    async def booked(self, showtime_id: uuid.UUID) -> list[ShowtimeSeat]:
        stmt = select(ShowtimeSeat).where(
            col(ShowtimeSeat.showtime_id) == showtime_id, col(ShowtimeSeat.status) == SeatStatus.BOOKED
        )
        return list((await self.session.exec(stmt)).all())

    async def advance(self, showtime_id: uuid.UUID, *, as_of: datetime) -> Showtime | None:
        """Move one showtime to the status due at `as_of`, forward only; return it as it now is."""
        await self._advance(as_of, col(Showtime.id) == showtime_id)
        self.session.expire_all()
        return await self.get(showtime_id)

    async def sweep(self, *, as_of: datetime) -> tuple[int, int]:
        """Move every overdue showtime forward; return how many started and how many completed."""
        return await self._advance(as_of, true())

    async def _advance(self, as_of: datetime, where: object) -> tuple[int, int]:
        completed = await self.session.exec(
            update(Showtime)
            .where(
                where,
                col(Showtime.status).in_([ShowtimeStatus.SCHEDULED, ShowtimeStatus.ONGOING]),
                col(Showtime.end_time) <= as_of,
            )
            .values(status=ShowtimeStatus.COMPLETED, updated_at=func.now())
        )
        started = await self.session.exec(
            update(Showtime)
            .where(where, col(Showtime.status) == ShowtimeStatus.SCHEDULED, col(Showtime.start_time) <= as_of)
            .values(status=ShowtimeStatus.ONGOING, updated_at=func.now())
        )
        return started.rowcount, completed.rowcount  # type: ignore[attr-defined]

    async def upcoming(self, *, as_of: datetime, until: datetime) -> list[Showtime]:
        """Live showtimes with a transition due before `until` (start or end)."""
        stmt = select(Showtime).where(
            or_(
                and_(col(Showtime.status) == ShowtimeStatus.SCHEDULED, col(Showtime.start_time) < until),
                and_(col(Showtime.status) == ShowtimeStatus.ONGOING, col(Showtime.end_time) < until),
            ),
            col(Showtime.end_time) > as_of,
        )
        return list((await self.session.exec(stmt)).all())
