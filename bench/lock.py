"""Hold latency: `POST /api/bookings/lock-seats` with 50 concurrent customers, each on its own showtime.

Each customer holds a new pair of seats, gives it back (`DELETE /api/bookings/{id}/hold`, not timed) and
goes on, ROUNDS times. Baseline, same run, same Temporal server: 50 concurrent clients doing an
update-with-start whose update runs one activity (bench/bare.py), ROUNDS times each.
Run: `.venv/bin/python -m bench.lock [--api-workers N --workers N]`.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx

from bench.bare import bare_hold, bare_worker
from bench.cli import run_on_stack
from bench.customers import customers
from bench.harness import report
from bench.onsale import LAYOUT, percentile
from infra.db import create_engine, make_sessionmaker
from infra.settings import Settings
from infra.temporal import connect_temporal
from tests.bookings_support import make_showtime, seats

CLIENTS = 50
ROUNDS = 10


async def showtimes(settings: Settings, n: int) -> list[tuple[uuid.UUID, list[list[str]]]]:
    """`n` showtimes, each with the pairs of seats its customer will hold in turn."""
    engine = create_engine(settings.resolved_database_url)
    try:
        sessionmaker, made = make_sessionmaker(engine), []
        for _ in range(n):
            showtime = await make_showtime(sessionmaker, layout=LAYOUT)
            ordered = sorted((await seats(sessionmaker, showtime.id)).values(), key=lambda s: (s.row, s.number))
            made.append((showtime.id, [[str(ordered[i].seat_id), str(ordered[i + 1].seat_id)]
                                       for i in range(0, 2 * ROUNDS, 2)]))
        return made
    finally:
        await engine.dispose()


async def ours(base_url: str, houses: list[tuple[uuid.UUID, list[list[str]]]],
               people: list[dict[str, str]]) -> list[float]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=2 * CLIENTS, max_keepalive_connections=2 * CLIENTS)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        async def customer(headers: dict[str, str], showtime_id: uuid.UUID, pairs: list[list[str]]) -> None:
            for pair in pairs:
                sent = time.perf_counter()
                response = await client.post("/api/bookings/lock-seats", headers=headers,
                                             json={"showtimeId": str(showtime_id), "seatIds": pair})
                latencies.append(time.perf_counter() - sent)
                assert response.status_code == 201, response.text
                released = await client.delete(f"/api/bookings/{response.json()['bookingId']}/hold",
                                               headers=headers)
                assert released.status_code == 204, released.text

        await asyncio.gather(*(customer(h, showtime_id, pairs)
                               for h, (showtime_id, pairs) in zip(people, houses, strict=True)))
    return latencies


async def bare(settings: Settings) -> list[float]:
    client = await connect_temporal(settings.resolved_temporal_address)
    latencies: list[float] = []
    async with bare_worker(client):
        async def one() -> None:
            for _ in range(ROUNDS):
                latencies.append(await bare_hold(client))

        await bare_hold(client)  # warm the worker and the task queue
        await asyncio.gather(*(one() for _ in range(CLIENTS)))
    return latencies


async def run(settings: Settings, base_url: str, label: str) -> None:
    houses, people = await showtimes(settings, CLIENTS), await customers(settings, CLIENTS)
    base = await bare(settings)
    measured = await ours(base_url, houses, people)
    report(f"lock-seats, {label}: {CLIENTS} concurrent customers on separate showtimes, {ROUNDS} holds each", [
        ("bare update-with-start + 1 activity, p50", percentile(base, 0.5) * 1000, "ms"),
        ("bare update-with-start + 1 activity, p99", percentile(base, 0.99) * 1000, "ms"),
        ("lock-seats over HTTP, p50", percentile(measured, 0.5) * 1000, "ms"),
        ("lock-seats over HTTP, p99", percentile(measured, 0.99) * 1000, "ms"),
    ], baseline="bare update-with-start + 1 activity, p99")


def main() -> None:
    run_on_stack(__doc__ or "", run)


if __name__ == "__main__":
    main()
