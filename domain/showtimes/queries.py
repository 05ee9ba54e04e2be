"""Read views of showtimes: lists, one showtime, and the seat map with each seat's price now."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas import service as cinemas_service
from domain.movies import service as movies_service
from domain.shared.schemas import Page
from domain.showtimes.errors import ShowtimeNotFound
from domain.showtimes.lifecycle import local_day_bounds
from domain.showtimes.models import SeatPricing, SeatStatus, SeatType, Showtime, ShowtimeStatus
from domain.showtimes.pricing import PricingPolicy, Promotion, best_promotion, quote
from domain.showtimes.pricing import SeatTypePrice as OwnPrice
from domain.showtimes.repository import SeatCounts, ShowtimeRepository
from domain.showtimes.schemas import (
    PromotionPublic,
    SeatMapPublic,
    SeatPublic,
    SeatTypePrice,
    ShowtimePublic,
    ShowtimeQuery,
)

LISTED_BY_DEFAULT = (ShowtimeStatus.SCHEDULED, ShowtimeStatus.ONGOING, ShowtimeStatus.COMPLETED)
_TYPE_ORDER = {SeatType.STANDARD: 0, SeatType.VIP: 1, SeatType.COUPLE: 2}


def _promotion(promotion: Promotion | None) -> PromotionPublic | None:
    if promotion is None:
        return None
    return PromotionPublic(code=promotion.code, name=promotion.name, percent_off=promotion.percent_off)


def _prices(
    policy: PricingPolicy, showtime: Showtime, rows: Sequence[SeatPricing], now: datetime
) -> dict[SeatType, SeatTypePrice]:
    prices = {}
    for row in sorted(rows, key=lambda r: _TYPE_ORDER[r.seat_type]):
        found = quote(
            policy,
            base_price=showtime.base_price,
            seat_type=row.seat_type,
            starts_at=showtime.start_time,
            now=now,
            own=OwnPrice(price=row.price, multiplier=row.multiplier),
        )
        prices[row.seat_type] = SeatTypePrice(
            seat_type=row.seat_type, list_price=found.list_price, price=found.price
        )
    return prices


def _public(
    showtime: Showtime,
    *,
    policy: PricingPolicy,
    rows: Sequence[SeatPricing],
    counts: SeatCounts | None,
    title: str | None,
    now: datetime,
) -> ShowtimePublic:
    return ShowtimePublic(
        id=showtime.id,
        movie_id=showtime.movie_id,
        movie_title=title,
        theater_id=showtime.theater_id,
        cinema_id=showtime.cinema_id,
        start_time=showtime.start_time,
        end_time=showtime.end_time,
        base_price=showtime.base_price,
        status=showtime.status,
        available_seats=counts.available if counts else 0,
        total_seats=counts.total if counts else 0,
        prices=list(_prices(policy, showtime, rows, now).values()),
        promotion=_promotion(best_promotion(policy, starts_at=showtime.start_time, now=now)),
        cancel_reason=showtime.cancel_reason,
    )


async def _publics(
    session: AsyncSession, showtimes: Sequence[Showtime], *, policy: PricingPolicy, now: datetime
) -> list[ShowtimePublic]:
    repo = ShowtimeRepository(session)
    ids = [s.id for s in showtimes]
    counts, pricing = await repo.seat_counts(ids, now=now), await repo.pricing(ids)
    movies = await movies_service.list_movies_by_ids(session, movie_ids=list({s.movie_id for s in showtimes}))
    titles: dict[uuid.UUID, str] = {m.id: m.title for m in movies}
    return [
        _public(
            s,
            policy=policy,
            rows=pricing[s.id],
            counts=counts.get(s.id),
            title=titles.get(s.movie_id),
            now=now,
        )
        for s in showtimes
    ]


@dataclass(frozen=True)
class ShowtimeCard:
    """What a person recognises a showtime by (the booking saga's summary in the Temporal UI)."""

    showtime_id: uuid.UUID
    movie_title: str
    cinema_id: uuid.UUID
    cinema_name: str
    starts_at: datetime


async def showtime_card(session: AsyncSession, *, showtime_id: uuid.UUID) -> ShowtimeCard:
    """The film, cinema and start of a showtime (ShowtimeNotFound when there is none)."""
    showtime = await ShowtimeRepository(session).get(showtime_id)
    if showtime is None:
        raise ShowtimeNotFound("No such showtime.")
    movie = await movies_service.get_movie(session, movie_id=showtime.movie_id)
    cinema = await cinemas_service.get_cinema(session, cinema_id=showtime.cinema_id)
    return ShowtimeCard(showtime_id=showtime.id, movie_title=movie.title, cinema_id=cinema.id, cinema_name=cinema.name,
                        starts_at=showtime.start_time)


async def showtime_public(
    session: AsyncSession, *, showtime: Showtime, policy: PricingPolicy, now: datetime
) -> ShowtimePublic:
    """One showtime with its seat counts and today's prices."""
    return (await _publics(session, [showtime], policy=policy, now=now))[0]


async def list_showtimes(
    session: AsyncSession, *, query: ShowtimeQuery, policy: PricingPolicy, now: datetime
) -> Page[ShowtimePublic]:
    """One page of showtimes in start order, filtered by movie, cinema, theater, local day and status."""
    starts_from, starts_before = local_day_bounds(query.date) if query.date else (None, None)
    rows, total = await ShowtimeRepository(session).search(
        movie_id=query.movie_id,
        cinema_id=query.cinema_id,
        theater_id=query.theater_id,
        starts_from=starts_from,
        starts_before=starts_before,
        statuses=[query.status] if query.status else LISTED_BY_DEFAULT,
        offset=query.offset,
        limit=query.page_size,
    )
    return Page[ShowtimePublic](
        items=await _publics(session, rows, policy=policy, now=now),
        total=total,
        page=query.page,
        page_size=query.page_size,
    )


async def seat_type_prices(session: AsyncSession, *, showtime: Showtime, policy: PricingPolicy,
                           now: datetime) -> dict[SeatType, SeatTypePrice]:
    """What each seat type of the showtime costs now."""
    return _prices(policy, showtime, (await ShowtimeRepository(session).pricing([showtime.id]))[showtime.id], now)


def _shown_status(status: SeatStatus, locked_until: datetime | None, now: datetime) -> SeatStatus:
    """A hold that has run out shows as Available: the next claim takes it over."""
    if status is SeatStatus.LOCKED and locked_until is not None and locked_until <= now:
        return SeatStatus.AVAILABLE
    return status


async def seat_map(
    session: AsyncSession, *, showtime: Showtime, policy: PricingPolicy, now: datetime
) -> SeatMapPublic:
    """Every seat of the showtime with its status and what it costs now."""
    repo = ShowtimeRepository(session)
    prices = _prices(policy, showtime, (await repo.pricing([showtime.id]))[showtime.id], now)
    seats = [
        SeatPublic(
            seat_id=seat.seat_id,
            row=seat.row,
            number=seat.number,
            column=seat.column,
            type=seat.seat_type,
            status=_shown_status(seat.status, seat.locked_until, now),
            price=prices[seat.seat_type].price,
            list_price=prices[seat.seat_type].list_price,
            pair_seat_id=seat.pair_seat_id,
        )
        for seat in await repo.seats(showtime.id)
    ]
    return SeatMapPublic(
        showtime_id=showtime.id,
        status=showtime.status,
        start_time=showtime.start_time,
        end_time=showtime.end_time,
        sales_open=showtime.status is ShowtimeStatus.SCHEDULED and showtime.start_time > now,
        promotion=_promotion(best_promotion(policy, starts_at=showtime.start_time, now=now)),
        prices=list(prices.values()),
        seats=seats,
    )
