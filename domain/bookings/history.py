"""A user's booking history: bookings joined, in code, with what other contexts know (film, cinema, time)."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings import service as bookings_service
from domain.cinemas import service as cinemas_service
from domain.movies import service as movies_service
from domain.shared.schemas import Page, PageParams
from domain.showtimes import service as showtimes_service
from domain.users.schemas import BookingHistoryItem


async def booking_history(session: AsyncSession, *, user_id: uuid.UUID,
                          page: PageParams) -> Page[BookingHistoryItem]:
    """The user's bookings, newest first, with film title, cinema and start time (no cross-schema join)."""
    rows, total = await bookings_service.of_user(session, user_id=user_id, offset=page.offset,
                                                 limit=page.page_size)
    showtimes = {sid: await showtimes_service.get_showtime(session, showtime_id=sid)
                 for sid in {booking.showtime_id for booking, _ in rows}}
    movies = {m.id: m for m in await movies_service.list_movies_by_ids(
        session, movie_ids=list({s.movie_id for s in showtimes.values()}))}
    cinemas = {cid: await cinemas_service.get_cinema(session, cinema_id=cid)
               for cid in {s.cinema_id for s in showtimes.values()}}
    items = []
    for booking, seats in rows:
        showtime = showtimes[booking.showtime_id]
        movie = movies.get(showtime.movie_id)
        items.append(BookingHistoryItem(
            booking_id=booking.id, status=booking.status.value, movie_title=movie.title if movie else "",
            cinema_name=cinemas[showtime.cinema_id].name, starts_at=showtime.start_time,
            seats=[f"{s.row}{s.number}" for s in seats], total_amount=booking.final_amount,
            created_at=booking.created_at))
    return Page[BookingHistoryItem](items=items, total=total, page=page.page, page_size=page.page_size)
