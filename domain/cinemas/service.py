"""Use cases of the cinemas context. Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas.errors import (
    CinemaExists,
    CinemaNotFound,
    HasFutureShowtimes,
    SeatNotFound,
    TheaterExists,
    TheaterNotFound,
)
from domain.cinemas.layout import LayoutSpec, PlannedSeat, columns, plan_layout
from domain.cinemas.models import Cinema, Seat, SeatStatus, SeatType, Theater
from domain.cinemas.repository import CinemasRepository
from domain.cinemas.schemas import (
    CinemaCreate,
    CinemaNearby,
    CinemaPublic,
    CinemaQuery,
    CinemaUpdate,
    NearbyQuery,
    SeatMap,
    SeatPublic,
    TheaterCreate,
    TheaterPublic,
    TheaterUpdate,
)
from domain.shared.schemas import Page, PageParams


async def get_cinema(session: AsyncSession, *, cinema_id: uuid.UUID) -> Cinema:
    """Return a cinema that is not deleted, or raise CinemaNotFound."""
    cinema = await CinemasRepository(session).cinema(cinema_id)
    if cinema is None:
        raise CinemaNotFound("No such cinema.", {"cinemaId": str(cinema_id)})
    return cinema


async def list_cinemas(session: AsyncSession, *, query: CinemaQuery) -> Page[CinemaPublic]:
    """Return one page of cinemas by city and name, filtered by city (accent-blind) and status."""
    cinemas, total = await CinemasRepository(session).cinemas(city=query.city, status=query.status,
                                                              offset=query.offset, limit=query.page_size)
    return Page[CinemaPublic](items=[CinemaPublic.model_validate(c) for c in cinemas], total=total,
                              page=query.page, page_size=query.page_size)


async def nearby(session: AsyncSession, *, query: NearbyQuery) -> Page[CinemaNearby]:
    """Return one page of the active cinemas within the radius, nearest first."""
    found, total = await CinemasRepository(session).nearby(
        lat=query.lat, lng=query.lng, radius_km=query.radius_km, offset=query.offset, limit=query.page_size)
    items = [CinemaNearby.model_validate({**c.model_dump(), "distance_km": round(km, 3)}) for c, km in found]
    return Page[CinemaNearby](items=items, total=total, page=query.page, page_size=query.page_size)


async def create_cinema(session: AsyncSession, *, body: CinemaCreate) -> Cinema:
    """Add a cinema; names are unique across the chain."""
    repo = CinemasRepository(session)
    if await repo.cinema_by_name(body.name) is not None:
        raise CinemaExists("A cinema with this name exists.", {"name": body.name})
    cinema = Cinema(**body.model_dump())
    await repo.add(cinema)
    await session.refresh(cinema)
    return cinema


async def ensure_cinema(session: AsyncSession, *, body: CinemaCreate) -> tuple[Cinema, bool]:
    """Find the cinema by name or create it; True when created. A found cinema is left as it is."""
    found = await CinemasRepository(session).cinema_by_name(body.name)
    if found is not None:
        return found, False
    return await create_cinema(session, body=body), True


async def update_cinema(session: AsyncSession, *, cinema_id: uuid.UUID, changes: CinemaUpdate) -> Cinema:
    """Apply the fields the Admin sent."""
    repo = CinemasRepository(session)
    cinema = await get_cinema(session, cinema_id=cinema_id)
    values = changes.model_dump(exclude_unset=True)
    if "name" in values and values["name"] != cinema.name and await repo.cinema_by_name(values["name"]):
        raise CinemaExists("A cinema with this name exists.", {"name": values["name"]})
    for name, value in values.items():
        setattr(cinema, name, value)
    await repo.save(cinema)
    return cinema


async def delete_cinema(session: AsyncSession, *, cinema_id: uuid.UUID, now: datetime,
                        future_showtimes: int) -> None:
    """Soft-delete a cinema, refused while any of its theaters has showtimes to come.

    `future_showtimes` is the showtimes service's count over the cinema's theaters at `now`: the caller
    asks it first (showtimes depends on cinemas, never the other way round)."""
    repo = CinemasRepository(session)
    cinema = await repo.cinema(cinema_id, for_update=True)
    if cinema is None:
        raise CinemaNotFound("No such cinema.", {"cinemaId": str(cinema_id)})
    if future_showtimes:
        raise HasFutureShowtimes(f"The cinema still has {future_showtimes} showtime(s) to come; cancel them first.",
                                 {"futureShowtimes": future_showtimes})
    cinema.deleted_at = now
    await repo.save(cinema)


async def get_theater(session: AsyncSession, *, theater_id: uuid.UUID) -> Theater:
    """Return a theater, or raise TheaterNotFound."""
    theater = await CinemasRepository(session).theater(theater_id)
    if theater is None:
        raise TheaterNotFound("No such theater.", {"theaterId": str(theater_id)})
    return theater


async def theater_of_cinema(session: AsyncSession, *, cinema_id: uuid.UUID, theater_id: uuid.UUID,
                            for_update: bool = False) -> Theater:
    """Return the cinema's theater, or raise CinemaNotFound / TheaterNotFound."""
    await get_cinema(session, cinema_id=cinema_id)
    theater = await CinemasRepository(session).theater(theater_id, for_update=for_update)
    if theater is None or theater.cinema_id != cinema_id:
        raise TheaterNotFound("This cinema has no such theater.", {"theaterId": str(theater_id)})
    return theater


async def theater_ids_of_cinema(session: AsyncSession, *, cinema_id: uuid.UUID) -> list[uuid.UUID]:
    """Return the ids of the cinema's theaters (none for an unknown cinema)."""
    return await CinemasRepository(session).theater_ids(cinema_id)


async def theater_seats(session: AsyncSession, *, theater_id: uuid.UUID) -> list[Seat]:
    """Return the theater's seats by row and number; couple halves name each other in pair_seat_id."""
    return await CinemasRepository(session).seats(theater_id)


async def list_theaters(session: AsyncSession, *, cinema_id: uuid.UUID,
                        page: PageParams) -> Page[TheaterPublic]:
    """Return one page of the cinema's theaters by name."""
    await get_cinema(session, cinema_id=cinema_id)
    theaters, total = await CinemasRepository(session).theaters(cinema_id, offset=page.offset,
                                                                limit=page.page_size)
    return Page[TheaterPublic](items=[TheaterPublic.model_validate(t) for t in theaters], total=total,
                               page=page.page, page_size=page.page_size)


async def create_theater(session: AsyncSession, *, cinema_id: uuid.UUID, body: TheaterCreate) -> Theater:
    """Add a theater to a cinema, with its seats when the body has a layout."""
    repo = CinemasRepository(session)
    await get_cinema(session, cinema_id=cinema_id)
    if await repo.theater_by_name(cinema_id, body.name) is not None:
        raise TheaterExists("This cinema has a theater with this name.", {"name": body.name})
    planned = plan_layout(body.layout) if body.layout else []
    theater = Theater(cinema_id=cinema_id, **body.model_dump(exclude={"layout"}))
    await repo.add(theater)
    if body.layout is not None:
        await _apply_layout(repo, theater, body.layout, planned)
    await repo.save(theater)
    return theater


async def ensure_theater(session: AsyncSession, *, cinema_id: uuid.UUID,
                         body: TheaterCreate) -> tuple[Theater, bool]:
    """Find the cinema's theater by name or create it with its layout; True when created."""
    found = await CinemasRepository(session).theater_by_name(cinema_id, body.name)
    if found is not None:
        return found, False
    return await create_theater(session, cinema_id=cinema_id, body=body), True


async def update_theater(session: AsyncSession, *, cinema_id: uuid.UUID, theater_id: uuid.UUID,
                         changes: TheaterUpdate) -> Theater:
    """Apply the fields the Admin sent (name, screen, sound, status)."""
    repo = CinemasRepository(session)
    theater = await theater_of_cinema(session, cinema_id=cinema_id, theater_id=theater_id)
    values = changes.model_dump(exclude_unset=True)
    renamed = "name" in values and values["name"] != theater.name
    if renamed and await repo.theater_by_name(cinema_id, values["name"]) is not None:
        raise TheaterExists("This cinema has a theater with this name.", {"name": values["name"]})
    for name, value in values.items():
        setattr(theater, name, value)
    await repo.save(theater)
    return theater


async def set_layout(session: AsyncSession, *, cinema_id: uuid.UUID, theater_id: uuid.UUID,
                     spec: LayoutSpec, future_showtimes: int) -> SeatMap:
    """Create or replace the theater's seats from a layout, refused while it has showtimes to come.

    `future_showtimes` is the showtimes service's count for this theater: the caller asks it first."""
    planned = plan_layout(spec)
    repo = CinemasRepository(session)
    # The lock queues layout changes of one theater behind each other.
    theater = await theater_of_cinema(session, cinema_id=cinema_id, theater_id=theater_id, for_update=True)
    if future_showtimes:
        raise HasFutureShowtimes(f"The theater has {future_showtimes} showtime(s) to come on the current seats; "
                                 "cancel or move them first.", {"futureShowtimes": future_showtimes})
    seats = await _apply_layout(repo, theater, spec, planned)
    await repo.save(theater)
    return _seat_map(theater, seats)


async def seat_map(session: AsyncSession, *, cinema_id: uuid.UUID, theater_id: uuid.UUID) -> SeatMap:
    """Return every seat of the theater with the grid to draw them on."""
    theater = await theater_of_cinema(session, cinema_id=cinema_id, theater_id=theater_id)
    return _seat_map(theater, await theater_seats(session, theater_id=theater_id))


async def set_seat_status(session: AsyncSession, *, cinema_id: uuid.UUID, theater_id: uuid.UUID,
                          seat_id: uuid.UUID, status: SeatStatus) -> list[Seat]:
    """Mark a seat broken or available again; both halves of a couple seat change together.
    Returns the seats changed."""
    await theater_of_cinema(session, cinema_id=cinema_id, theater_id=theater_id)
    repo = CinemasRepository(session)
    seat = await repo.seat(theater_id, seat_id)
    if seat is None:
        raise SeatNotFound("This theater has no such seat.", {"seatId": str(seat_id)})
    changed = [seat]
    if seat.type is SeatType.COUPLE and seat.pair_seat_id is not None:
        partner = await repo.seat(theater_id, seat.pair_seat_id)
        changed += [partner] if partner else []
    for one in changed:
        one.status = status
        await repo.save(one)
    return changed


async def _apply_layout(repo: CinemasRepository, theater: Theater, spec: LayoutSpec,
                        planned: Sequence[PlannedSeat]) -> list[Seat]:
    seats = await repo.replace_seats(theater.id, planned)
    theater.capacity = len(seats)
    theater.layout = spec.model_dump(mode="json", by_alias=True)
    return seats


def _seat_map(theater: Theater, seats: Sequence[Seat]) -> SeatMap:
    spec = LayoutSpec.model_validate(theater.layout) if theater.layout else None
    return SeatMap(theater_id=theater.id, cinema_id=theater.cinema_id, rows=spec.rows if spec else 0,
                   columns=columns(spec) if spec else 0, capacity=len(seats),
                   seats=[SeatPublic.model_validate(s) for s in seats])
