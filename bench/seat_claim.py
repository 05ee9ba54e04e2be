"""Seat claims on one hot 200-seat showtime by 50 concurrent clients, until it sells out.

Baseline: a bare `UPDATE … WHERE status = 'Available'` of one seat per claim through asyncpg.
Measured: our claim (`domain.showtimes.seat_claims.claim`, two seats per claim: house rules, the
ordered all-or-nothing UPDATE, prices) through SQLAlchemy, each in its own transaction.
Run: `.venv/bin/python -m bench.seat_claim`.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.harness import report, servers
from domain.shared.errors import DomainError
from domain.shared.time import utcnow
from domain.showtimes import seat_claims
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import SeatLine
from infra.db import SessionMaker, create_engine, make_sessionmaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import make_showtime, seats

CLIENTS = 50
LAYOUT = {"rows": 10, "seatsPerRow": 20, "aisles": [], "vipRows": [], "coupleRows": [], "brokenSeats": []}


async def bare_claims(dsn: str, showtime_id: uuid.UUID, seat_ids: list[uuid.UUID]) -> tuple[int, float]:
    pool = await asyncpg.create_pool(dsn.replace("+asyncpg", ""), min_size=CLIENTS, max_size=CLIENTS)
    queue: asyncio.Queue[uuid.UUID] = asyncio.Queue()
    for seat in seat_ids:
        queue.put_nowait(seat)
    won = 0

    async def client() -> None:
        nonlocal won
        while not queue.empty():
            seat = queue.get_nowait()
            row = await pool.fetchval(
                "UPDATE showtimes.showtime_seat SET status = 'Locked', booking_id = $3 "
                "WHERE showtime_id = $1 AND seat_id = $2 AND status = 'Available' RETURNING seat_id",
                showtime_id, seat, uuid.uuid4())
            won += row is not None

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - started
    await pool.close()
    return won, elapsed


# What else a claim's transaction does (bench/events.py writes an outbox event here).
ClaimHook = Callable[[AsyncSession, uuid.UUID, uuid.UUID, list[SeatLine]], Awaitable[None]]


async def claim_all(sessionmaker: SessionMaker, showtime_id: uuid.UUID, pairs: list[list[uuid.UUID]], *,
                    also: ClaimHook | None = None) -> tuple[int, float]:
    """CLIENTS clients claim the pairs with our claim (house rules, prices): (seats won, seconds)."""
    queue: asyncio.Queue[list[uuid.UUID]] = asyncio.Queue()
    for pair in pairs:
        queue.put_nowait(pair)
    won, policy = 0, PricingPolicy()

    async def client() -> None:
        nonlocal won
        while not queue.empty():
            pair, booking_id = queue.get_nowait(), uuid.uuid4()
            try:
                async with unit_of_work(sessionmaker) as session:
                    lines = await seat_claims.claim(
                        session, showtime_id=showtime_id, seat_ids=pair, booking_id=booking_id, user_id=uuid.uuid4(),
                        until=utcnow() + timedelta(minutes=15), now=utcnow(), max_seats=8, policy=policy)
                    if also is not None:
                        await also(session, booking_id, showtime_id, lines)
                won += len(pair)
            except DomainError:
                pass

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return won, time.perf_counter() - started


async def our_claims(settings: Settings, showtime_id: uuid.UUID, pairs: list[list[uuid.UUID]]) -> tuple[int, float]:
    engine = create_engine(settings.resolved_database_url, pool_size=CLIENTS)
    try:
        return await claim_all(make_sessionmaker(engine), showtime_id, pairs)
    finally:
        await engine.dispose()


async def run(settings: Settings) -> None:
    engine = create_engine(settings.resolved_database_url)
    sessionmaker = make_sessionmaker(engine)
    bare_showtime, ours_showtime = (await make_showtime(sessionmaker, layout=LAYOUT),
                                    await make_showtime(sessionmaker, layout=LAYOUT))
    bare_seats = [s.seat_id for s in (await seats(sessionmaker, bare_showtime.id)).values()]
    ours = sorted((await seats(sessionmaker, ours_showtime.id)).values(), key=lambda s: (s.row, s.number))
    pairs = [[ours[i].seat_id, ours[i + 1].seat_id] for i in range(0, len(ours), 2)]
    await engine.dispose()
    won_bare, t_bare = await bare_claims(settings.resolved_database_url, bare_showtime.id, bare_seats)
    won_ours, t_ours = await our_claims(settings, ours_showtime.id, pairs)
    assert won_bare == len(bare_seats) and won_ours == len(ours), (won_bare, won_ours)  # sold out, never twice
    report(f"Seat claims, one 200-seat showtime, {CLIENTS} clients (sold out: {won_ours} seats, none twice)", [
        ("bare UPDATE, 1 seat per claim (asyncpg)", won_bare / t_bare, "seats/s"),
        ("our claim, 2 seats per claim (rules+prices)", won_ours / t_ours, "seats/s"),
        ("our claim, claims (requests) per second", (won_ours / 2) / t_ours, "claims/s"),
    ], baseline="bare UPDATE, 1 seat per claim (asyncpg)")


def main() -> None:
    with servers(only=("postgres",)) as settings:
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
