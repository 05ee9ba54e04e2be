"""Use cases of the showtimes context: schedule, reschedule, reprice, cancel, and the lifecycle steps.

Services flush and never commit: the request (or the activity's unit of work) commits.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas import service as cinemas_service
from domain.cinemas.models import CinemaStatus, TheaterStatus
from domain.cinemas.models import SeatStatus as PhysicalSeatStatus
from domain.contracts import events
from domain.contracts.events import ShowtimeRepriced, ShowtimeTimesChanged, Topic
from domain.movies import service as movies_service
from domain.movies.models import Movie, MovieStatus
from domain.shared.outbox import emit
from domain.shared.roles import Role
from domain.showtimes.errors import (
    CancelNeedsAdmin,
    CancelReasonRequired,
    InvalidSchedule,
    MovieEnded,
    ShowtimeHasSales,
    ShowtimeNotFound,
    ShowtimeOverlap,
    ShowtimeStarted,
    TheaterHasNoSeats,
    TheaterNotActive,
)
from domain.showtimes.lifecycle import ShowtimeState, ShowtimeTimes
from domain.showtimes.models import SeatPricing, SeatStatus, SeatType, Showtime, ShowtimeStatus
from domain.showtimes.pricing import PricingPolicy, local
from domain.showtimes.repository import ShowtimeRepository, is_overlap
from domain.showtimes.schemas import SeatPricingIn, ShowtimeCancellation, ShowtimeCreate, ShowtimeUpdate

log = logging.getLogger("cinema.showtimes")


@dataclass(frozen=True)
class ScheduleRules:
    """The settings a schedule change needs: the cleaning gap after each film, and the pricing policy."""

    cleaning_gap: timedelta
    policy: PricingPolicy


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID
    role: Role


async def count_future_showtimes(session: AsyncSession, *, movie_id: uuid.UUID, now: datetime) -> int:
    """Count the movie's showtimes that are not cancelled and start after `now`."""
    return await ShowtimeRepository(session).count_future(now=now, movie_id=movie_id)


async def count_future_showtimes_for_theater(
    session: AsyncSession, *, theater_id: uuid.UUID, now: datetime
) -> int:
    """Count the theater's showtimes that are not cancelled and start after `now`."""
    return await ShowtimeRepository(session).count_future(now=now, theater_id=theater_id)


async def count_future_showtimes_for_cinema(session: AsyncSession, *, cinema_id: uuid.UUID, now: datetime) -> int:
    """Count the showtimes, over all the cinema's theaters, that are not cancelled and start after `now`."""
    repo = ShowtimeRepository(session)
    return sum([await repo.count_future(now=now, theater_id=theater_id)
                for theater_id in await cinemas_service.theater_ids_of_cinema(session, cinema_id=cinema_id)])


async def count_live_showtimes(
    session: AsyncSession, *, theater_id: uuid.UUID, starts_from: datetime, starts_before: datetime
) -> int:
    """Count the theater's showtimes, cancelled ones aside, that start in [starts_from, starts_before)."""
    _, total = await ShowtimeRepository(session).search(
        movie_id=None,
        cinema_id=None,
        theater_id=theater_id,
        starts_from=starts_from,
        starts_before=starts_before,
        statuses=[ShowtimeStatus.SCHEDULED, ShowtimeStatus.ONGOING, ShowtimeStatus.COMPLETED],
        offset=0,
        limit=1,
    )
    return total


async def get_showtime(
    session: AsyncSession, *, showtime_id: uuid.UUID, for_update: bool = False
) -> Showtime:
    """Return a showtime or raise ShowtimeNotFound."""
    showtime = await ShowtimeRepository(session).get(showtime_id, for_update=for_update)
    if showtime is None:
        raise ShowtimeNotFound("No such showtime.")
    return showtime


async def _schedulable_movie(
    session: AsyncSession, *, movie_id: uuid.UUID, start_time: datetime, now: datetime
) -> Movie:
    if start_time <= now:
        raise InvalidSchedule("A showtime must start in the future.", {"field": "startTime"})
    movie = await movies_service.get_movie(session, movie_id=movie_id)
    if movie.status is MovieStatus.ENDED:
        raise MovieEnded(f"“{movie.title}” has ended its run; it cannot get new showtimes.")
    # Before the release date is allowed: early screenings (suất chiếu sớm) are common.
    if movie.end_date is not None and local(start_time).date() > movie.end_date:
        raise InvalidSchedule(
            f"“{movie.title}” runs until {movie.end_date.isoformat()}.",
            {"field": "startTime", "endDate": movie.end_date.isoformat()},
        )
    return movie


def _end_time(movie: Movie, start_time: datetime, rules: ScheduleRules) -> datetime:
    return start_time + timedelta(minutes=movie.duration) + rules.cleaning_gap


def _brief(showtime: Showtime | None) -> dict[str, str] | None:
    if showtime is None:  # it was cancelled between the failed write and this read
        return None
    return {
        "id": str(showtime.id),
        "movieId": str(showtime.movie_id),
        "status": showtime.status.value,
        "startTime": showtime.start_time.isoformat(),
        "endTime": showtime.end_time.isoformat(),
    }


async def _write_checking_overlap(
    session: AsyncSession, showtime: Showtime, *, start_time: datetime, end_time: datetime
) -> None:
    """Set the showtime's times and flush them in a savepoint: the exclusion constraint refuses an
    overlap, also when two admins write at once (the second waits for the first, then fails)."""
    theater_id, showtime_id = showtime.theater_id, showtime.id  # a rolled-back savepoint expires the object
    await ShowtimeRepository(session).lock_theater_schedule(theater_id)
    try:
        # begin_nested() flushes what is pending first, so the times change only inside the savepoint.
        async with session.begin_nested():
            showtime.start_time, showtime.end_time = start_time, end_time
            session.add(showtime)
            await session.flush()
    except IntegrityError as error:
        if not is_overlap(error):
            raise
        clash = await ShowtimeRepository(session).clashing(
            theater_id=theater_id, start=start_time, end=end_time, exclude_id=showtime_id
        )
        raise ShowtimeOverlap(
            "Another showtime of this theater overlaps this time (cleaning gap included).",
            {"clashingShowtime": _brief(clash)},
        ) from error


def _pricing_row(showtime_id: uuid.UUID, item: SeatPricingIn) -> SeatPricing:
    return SeatPricing(
        showtime_id=showtime_id, seat_type=item.seat_type, price=item.price, multiplier=item.multiplier
    )


async def create_showtime(
    session: AsyncSession, *, data: ShowtimeCreate, rules: ScheduleRules, now: datetime
) -> Showtime:
    """Schedule a showtime with its seats (copied from the theater) and a price row per seat type."""
    movie = await _schedulable_movie(session, movie_id=data.movie_id, start_time=data.start_time, now=now)
    theater = await cinemas_service.get_theater(session, theater_id=data.theater_id)
    cinema = await cinemas_service.get_cinema(session, cinema_id=theater.cinema_id)
    if theater.status is not TheaterStatus.ACTIVE or cinema.status is not CinemaStatus.ACTIVE:
        raise TheaterNotActive(
            f"{theater.name} is not open for showtimes (theater {theater.status.value}, "
            f"cinema {cinema.status.value}).",
            {"theaterStatus": theater.status.value},
        )
    seats = await cinemas_service.theater_seats(session, theater_id=theater.id)
    if not seats:
        raise TheaterHasNoSeats(f"{theater.name} has no seat layout yet.")

    showtime = Showtime(
        movie_id=movie.id,
        theater_id=theater.id,
        cinema_id=theater.cinema_id,
        start_time=data.start_time,
        end_time=_end_time(movie, data.start_time, rules),
        base_price=data.base_price,
    )
    await _write_checking_overlap(
        session, showtime, start_time=showtime.start_time, end_time=showtime.end_time
    )

    repo = ShowtimeRepository(session)
    own = {item.seat_type: item for item in data.seat_pricing}
    types = {SeatType(seat.type.value) for seat in seats} | set(own)
    await repo.add(
        *(
            _pricing_row(
                showtime.id,
                own.get(kind) or SeatPricingIn(seat_type=kind, multiplier=rules.policy.seat_factor(kind)),
            )
            for kind in sorted(types)
        )
    )
    await repo.add_seats(
        [
            {
                "id": uuid.uuid4(),
                "showtime_id": showtime.id,
                "seat_id": seat.id,
                "row": seat.row,
                "number": seat.number,
                "column": seat.column,
                "seat_type": SeatType(seat.type.value),
                "pair_seat_id": seat.pair_seat_id,
                "status": SeatStatus.BLOCKED
                if seat.status is PhysicalSeatStatus.BROKEN
                else SeatStatus.AVAILABLE,
            }
            for seat in seats
        ]
    )
    await repo.save(showtime)
    await _emit_times(session, Topic.SHOWTIME_SCHEDULED, showtime)
    return showtime


async def _emit_times(session: AsyncSession, topic: Topic, showtime: Showtime) -> None:
    """The lifecycle timers (workers/subscribers/showtimes.py) follow these times."""
    await emit(session, topic, ShowtimeTimesChanged(
        showtime_id=showtime.id, movie_id=showtime.movie_id, theater_id=showtime.theater_id,
        start_time=showtime.start_time, end_time=showtime.end_time), aggregate_id=showtime.id)


async def update_showtime(
    session: AsyncSession,
    *,
    showtime_id: uuid.UUID,
    data: ShowtimeUpdate,
    rules: ScheduleRules,
    now: datetime,
) -> tuple[Showtime, bool]:
    """Reschedule and/or reprice a showtime that has not started. Second item: was it moved?"""
    repo = ShowtimeRepository(session)
    showtime = await get_showtime(session, showtime_id=showtime_id, for_update=True)
    if showtime.status is not ShowtimeStatus.SCHEDULED or showtime.start_time <= now:
        raise ShowtimeStarted(
            f"This showtime is {showtime.status.value.lower()}"
            f"{'' if showtime.start_time > now else ' (it has started)'}; it can no longer change."
        )
    moved = data.start_time is not None and data.start_time != showtime.start_time
    if moved and data.start_time is not None:
        if await repo.count_sold_or_held(showtime.id, now=now):
            raise ShowtimeHasSales("Seats of this showtime are sold or held; cancel it instead of moving it.")
        movie = await _schedulable_movie(
            session, movie_id=showtime.movie_id, start_time=data.start_time, now=now
        )
        await _write_checking_overlap(
            session, showtime, start_time=data.start_time, end_time=_end_time(movie, data.start_time, rules)
        )
    if data.base_price is not None:
        showtime.base_price = data.base_price
    if data.seat_pricing:
        current = {row.seat_type: row for row in (await repo.pricing([showtime.id]))[showtime.id]}
        for item in data.seat_pricing:
            row = current.get(item.seat_type) or SeatPricing(
                showtime_id=showtime.id, seat_type=item.seat_type
            )
            row.price, row.multiplier = item.price, item.multiplier
            session.add(row)
    await repo.save(showtime)
    if moved:
        await _emit_times(session, Topic.SHOWTIME_RESCHEDULED, showtime)
    if data.base_price is not None or data.seat_pricing:
        await emit(session, Topic.SHOWTIME_REPRICED, ShowtimeRepriced(
            showtime_id=showtime.id, base_price=showtime.base_price), aggregate_id=showtime.id)
    return showtime, moved


async def cancel_showtime(
    session: AsyncSession, *, showtime_id: uuid.UUID, actor: Actor, reason: str | None, now: datetime
) -> ShowtimeCancellation:
    """Cancel a showtime and take its unsold seats off sale.

    No seat sold or held: an Admin's scheduling change. Seats sold or held: Manager or higher, with a
    reason; event showtime.cancelled then has every booking refunded in full.
    """
    repo = ShowtimeRepository(session)
    showtime = await get_showtime(session, showtime_id=showtime_id, for_update=True)
    if showtime.status in (ShowtimeStatus.CANCELLED, ShowtimeStatus.COMPLETED):
        raise ShowtimeStarted(f"This showtime is already {showtime.status.value.lower()}.")
    # Block first: once no seat is Available or Locked, no sale can complete behind our back.
    held = await repo.block_unsold(showtime.id, now=now)
    booked = await repo.booked(showtime.id)
    if booked or held:
        if not actor.role.at_least(Role.MANAGER):
            raise CancelNeedsAdmin("Cancelling a showtime with sales needs a Manager or Admin.")
        if not reason:
            raise CancelReasonRequired(
                "Seats are sold or held: say why the showtime is cancelled.",
                {"field": "reason", "bookedSeats": len(booked), "heldSeats": held},
            )
    elif actor.role is not Role.ADMIN:
        raise CancelNeedsAdmin("Cancelling a showtime nobody has bought is a scheduling change: Admins only.")
    showtime.status, showtime.cancelled_at, showtime.cancelled_by = ShowtimeStatus.CANCELLED, now, actor.id
    showtime.cancel_reason = reason
    await repo.save(showtime)
    cancelled = ShowtimeCancellation(
        showtime_id=showtime.id,
        movie_id=showtime.movie_id,
        start_time=showtime.start_time,
        cancelled_at=now,
        cancelled_by=actor.id,
        reason=reason,
        held_seats=held,
        booked_seat_ids=[seat.seat_id for seat in booked],
        booking_ids=sorted({seat.booking_id for seat in booked if seat.booking_id is not None}, key=str),
    )
    # The bookings service refunds every booking of it; the lifecycle timer stops.
    await emit(session, Topic.SHOWTIME_CANCELLED, events.ShowtimeCancelled(
        showtime_id=showtime.id, movie_id=showtime.movie_id, start_time=showtime.start_time, cancelled_at=now,
        cancelled_by=actor.id, reason=reason, held_seats=held, booked_seats=len(booked),
        booking_ids=cancelled.booking_ids), aggregate_id=showtime.id)
    if booked:
        log.warning("showtime %s cancelled with %d sold seats in %d bookings: refunding them in full; reason: %s",
                    showtime.id, len(booked), len(cancelled.booking_ids), reason)
    return cancelled


def _state(showtime_id: uuid.UUID, showtime: Showtime | None) -> ShowtimeState:
    if showtime is None:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return ShowtimeState(
            showtime_id=showtime_id,
            status=ShowtimeStatus.CANCELLED,
            start_time=epoch,
            end_time=epoch,
            found=False,
        )
    return ShowtimeState(
        showtime_id=showtime.id,
        status=showtime.status,
        start_time=showtime.start_time,
        end_time=showtime.end_time,
    )


async def advance_showtime(
    session: AsyncSession, *, showtime_id: uuid.UUID, as_of: datetime
) -> ShowtimeState:
    """Move a showtime to the status its times make due at `as_of` (forward only), and report it."""
    return _state(showtime_id, await ShowtimeRepository(session).advance(showtime_id, as_of=as_of))


async def sweep_showtimes(session: AsyncSession, *, as_of: datetime) -> tuple[int, int]:
    """Move every overdue showtime forward; return (started, completed)."""
    return await ShowtimeRepository(session).sweep(as_of=as_of)


async def lifecycle_times(session: AsyncSession, *, showtime_id: uuid.UUID) -> ShowtimeTimes | None:
    """What the showtime's timers wait for now; None when it is gone or cancelled (its timers stop)."""
    showtime = await ShowtimeRepository(session).get(showtime_id)
    if showtime is None or showtime.status is ShowtimeStatus.CANCELLED:
        return None
    return ShowtimeTimes(showtime_id=showtime.id, start_time=showtime.start_time, end_time=showtime.end_time)


async def showtimes_due_before(
    session: AsyncSession, *, as_of: datetime, until: datetime
) -> list[ShowtimeTimes]:
    """Live showtimes whose next transition falls before `until`."""
    rows = await ShowtimeRepository(session).upcoming(as_of=as_of, until=until)
    return [ShowtimeTimes(showtime_id=r.id, start_time=r.start_time, end_time=r.end_time) for r in rows]
