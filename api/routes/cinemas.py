"""Routes of the cinemas service (seed §4): cinemas, theaters, seat layouts."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from api.deps import AdminUser, PublicRoute, SessionDep
from domain.cinemas import service as cinemas_service
from domain.cinemas.layout import LayoutSpec
from domain.cinemas.schemas import (
    CinemaCreate,
    CinemaNearby,
    CinemaPublic,
    CinemaQuery,
    CinemaUpdate,
    NearbyQuery,
    SeatMap,
    SeatPublic,
    SeatUpdate,
    TheaterCreate,
    TheaterPublic,
    TheaterUpdate,
)
from domain.shared.schemas import Page, PageParams
from domain.shared.time import utcnow
from domain.showtimes import service as showtimes_service

CinemaId = Annotated[uuid.UUID, Path(alias="id", description="The cinema's id")]
NestedCinemaId = Annotated[uuid.UUID, Path(alias="cinemaId", description="The cinema's id")]
TheaterId = Annotated[uuid.UUID, Path(alias="theaterId", description="The theater's id")]
SeatId = Annotated[uuid.UUID, Path(alias="seatId", description="The seat's id")]

# Mounted as one router: public reads, Admin writes.
router = APIRouter()
public = APIRouter(prefix="/cinemas", tags=["cinemas"], route_class=PublicRoute)
guarded = APIRouter(prefix="/cinemas", tags=["cinemas"])


@public.get("", response_model=Page[CinemaPublic], summary="Cinemas by city and name; filter by city, status")
async def list_cinemas(query: Annotated[CinemaQuery, Query()], session: SessionDep) -> Page[CinemaPublic]:
    return await cinemas_service.list_cinemas(session, query=query)


@public.get("/nearby", response_model=Page[CinemaNearby],
            summary="Active cinemas within `radiusKm` (default 10) of a point, nearest first")
async def nearby(query: Annotated[NearbyQuery, Query()], session: SessionDep) -> Page[CinemaNearby]:
    return await cinemas_service.nearby(session, query=query)


@public.get("/{id}", response_model=CinemaPublic, summary="One cinema")
async def read_cinema(cinema_id: CinemaId, session: SessionDep) -> CinemaPublic:
    return CinemaPublic.model_validate(await cinemas_service.get_cinema(session, cinema_id=cinema_id))


@public.get("/{id}/theaters", response_model=Page[TheaterPublic], summary="A cinema's theaters by name")
async def list_theaters(cinema_id: CinemaId, page: Annotated[PageParams, Query()],
                        session: SessionDep) -> Page[TheaterPublic]:
    return await cinemas_service.list_theaters(session, cinema_id=cinema_id, page=page)


@public.get("/{cinemaId}/theaters/{theaterId}", response_model=TheaterPublic, summary="One theater")
async def read_theater(cinema_id: NestedCinemaId, theater_id: TheaterId,
                       session: SessionDep) -> TheaterPublic:
    theater = await cinemas_service.theater_of_cinema(session, cinema_id=cinema_id, theater_id=theater_id)
    return TheaterPublic.model_validate(theater)


@public.get("/{cinemaId}/theaters/{theaterId}/seats", response_model=SeatMap,
            summary="A theater's seat map: every seat with its row, number, column, type and status")
async def seat_map(cinema_id: NestedCinemaId, theater_id: TheaterId, session: SessionDep) -> SeatMap:
    return await cinemas_service.seat_map(session, cinema_id=cinema_id, theater_id=theater_id)


@guarded.post("", response_model=CinemaPublic, status_code=status.HTTP_201_CREATED, summary="Add a cinema")
async def create_cinema(body: CinemaCreate, admin: AdminUser, session: SessionDep) -> CinemaPublic:
    return CinemaPublic.model_validate(await cinemas_service.create_cinema(session, body=body))


@guarded.put("/{id}", response_model=CinemaPublic, summary="Change a cinema; left-out fields stay")
async def update_cinema(cinema_id: CinemaId, body: CinemaUpdate, admin: AdminUser,
                        session: SessionDep) -> CinemaPublic:
    cinema = await cinemas_service.update_cinema(session, cinema_id=cinema_id, changes=body)
    return CinemaPublic.model_validate(cinema)


@guarded.delete("/{id}", status_code=status.HTTP_204_NO_CONTENT,
                summary="Delete a cinema (soft); refused with 409 while it has showtimes to come")
async def delete_cinema(cinema_id: CinemaId, admin: AdminUser, session: SessionDep) -> Response:
    now = utcnow()
    future = await showtimes_service.count_future_showtimes_for_cinema(session, cinema_id=cinema_id, now=now)
    await cinemas_service.delete_cinema(session, cinema_id=cinema_id, now=now, future_showtimes=future)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@guarded.post("/{id}/theaters", response_model=TheaterPublic, status_code=status.HTTP_201_CREATED,
              summary="Add a theater, with its seats when `layout` is sent")
async def create_theater(cinema_id: CinemaId, body: TheaterCreate, admin: AdminUser,
                         session: SessionDep) -> TheaterPublic:
    theater = await cinemas_service.create_theater(session, cinema_id=cinema_id, body=body)
    return TheaterPublic.model_validate(theater)


@guarded.put("/{cinemaId}/theaters/{theaterId}", response_model=TheaterPublic,
             summary="Change a theater's name, screen, sound or status; left-out fields stay")
async def update_theater(cinema_id: NestedCinemaId, theater_id: TheaterId, body: TheaterUpdate,
                         admin: AdminUser, session: SessionDep) -> TheaterPublic:
    theater = await cinemas_service.update_theater(session, cinema_id=cinema_id, theater_id=theater_id,
                                                   changes=body)
    return TheaterPublic.model_validate(theater)


@guarded.put("/{cinemaId}/theaters/{theaterId}/layout", response_model=SeatMap,
             summary="Create or replace a theater's seats from a layout; 409 while it has showtimes to come")
async def set_layout(cinema_id: NestedCinemaId, theater_id: TheaterId, body: LayoutSpec, admin: AdminUser,
                     session: SessionDep) -> SeatMap:
    """Rows are lettered from A at the screen and seats numbered from 1 on the left. `aisles` are gaps
    after those seat numbers; couple rows are pairs 1-2, 3-4, ... (even seat count, no aisle inside a
    pair); a broken half of a couple seat takes its partner out. Seats that keep their row and number
    keep their id; capacity becomes the seat count."""
    future = await showtimes_service.count_future_showtimes_for_theater(session, theater_id=theater_id, now=utcnow())
    return await cinemas_service.set_layout(session, cinema_id=cinema_id, theater_id=theater_id, spec=body,
                                            future_showtimes=future)


@guarded.put("/{cinemaId}/theaters/{theaterId}/seats/{seatId}", response_model=list[SeatPublic],
             summary="Mark a seat Broken or Available; both halves of a couple seat change together")
async def update_seat(cinema_id: NestedCinemaId, theater_id: TheaterId, seat_id: SeatId, body: SeatUpdate,
                      admin: AdminUser, session: SessionDep) -> list[SeatPublic]:
    seats = await cinemas_service.set_seat_status(session, cinema_id=cinema_id, theater_id=theater_id,
                                                  seat_id=seat_id, status=body.status)
    return [SeatPublic.model_validate(s) for s in seats]


router.include_router(public)
router.include_router(guarded)
