"""Hot on-sale: 2,000 customers race one 200-seat showtime over HTTP until it is sold out.

Each customer reads the seat map, picks a free pair of adjacent seats (the house is cut into 100 fixed
pairs, so no pick leaves a lone seat), asks `POST /api/bookings/lock-seats`, and after a 409 reads the
map again; a customer stops once it holds a pair or the map shows none free.

Baseline, same run, same PostgreSQL: the same 2,000 customers through a 50-connection asyncpg pool, each
reading the free seats and claiming a pair all-or-nothing with one bare UPDATE.
Checked, not timed: every seat held once, by one winner; one saga per winner and none for a loser; no
seat left Locked once the holds end. Run: `.venv/bin/python -m bench.onsale [--api-workers N --workers N]`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
from temporalio.client import Client

from bench.cli import run_on_stack
from bench.customers import customers
from bench.harness import report
from bench.wire import Wire
from infra.db import create_engine, make_sessionmaker
from infra.settings import Settings
from infra.temporal import connect_temporal
from tests.bookings_support import locked, make_showtime, seats

CUSTOMERS = 2000
CONNECTIONS = 100  # the load generator's keep-alive connections to the API
RAW_POOL = 50
LAYOUT = {"rows": 10, "seatsPerRow": 20, "aisles": [], "vipRows": [], "coupleRows": [], "brokenSeats": []}

Pair = tuple[uuid.UUID, uuid.UUID]


@dataclass
class Race:
    winners: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    refused: int = 0
    other: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    sold_out_at: float = 0.0


async def house(settings: Settings) -> tuple[uuid.UUID, list[Pair]]:
    engine = create_engine(settings.resolved_database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        showtime = await make_showtime(sessionmaker, layout=LAYOUT)
        ordered = sorted((await seats(sessionmaker, showtime.id)).values(), key=lambda s: (s.row, s.number))
        return showtime.id, [(ordered[i].seat_id, ordered[i + 1].seat_id) for i in range(0, len(ordered), 2)]
    finally:
        await engine.dispose()


class _Lost(Exception):
    pass


async def raw_sellout(dsn: str, showtime_id: uuid.UUID, pairs: list[Pair]) -> float:
    """Seconds until bare PostgreSQL has sold every pair to CUSTOMERS racing customers."""
    pool = await asyncpg.create_pool(dsn.replace("+asyncpg", ""), min_size=RAW_POOL, max_size=RAW_POOL)
    sold = 0

    async def customer() -> None:
        nonlocal sold
        while True:
            free = {r["seat_id"] for r in await pool.fetch(
                "SELECT seat_id FROM showtimes.showtime_seat WHERE showtime_id = $1 AND status = 'Available'",
                showtime_id)}
            choices = [p for p in pairs if p[0] in free and p[1] in free]
            if not choices:
                return
            try:
                async with pool.acquire() as connection, connection.transaction():
                    won = await connection.fetch(
                        "UPDATE showtimes.showtime_seat SET status = 'Locked', booking_id = $3 "
                        "WHERE showtime_id = $1 AND seat_id = ANY($2) AND status = 'Available' RETURNING seat_id",
                        showtime_id, list(random.choice(choices)), uuid.uuid4())
                    if len(won) != 2:
                        raise _Lost  # all or nothing: roll the half back, read again
            except _Lost:
                continue
            sold += 2
            return

    started = time.perf_counter()
    await asyncio.gather(*(customer() for _ in range(CUSTOMERS)))
    elapsed = time.perf_counter() - started
    await pool.close()
    assert sold == 2 * len(pairs), sold
    return elapsed


async def http_race(base_url: str, showtime_id: uuid.UUID, pairs: list[Pair],
                    people: list[dict[str, str]]) -> tuple[Race, float]:
    race, seat_map = Race(), f"/api/showtimes/{showtime_id}/available-seats"
    async with Wire(base_url, CONNECTIONS) as wire:
        started = time.perf_counter()

        async def customer(headers: dict[str, str]) -> None:
            while True:
                _, body = await wire.request("GET", seat_map)
                status = {s["seatId"]: s["status"] for s in json.loads(body)["seats"]}
                choices = [p for p in pairs if status[str(p[0])] == status[str(p[1])] == "Available"]
                if not choices:
                    return
                pick = random.choice(choices)
                sent = time.perf_counter()
                code, answer = await wire.request("POST", "/api/bookings/lock-seats", headers=headers, json_body={
                    "showtimeId": str(showtime_id), "seatIds": [str(s) for s in pick]})
                race.latencies.append(time.perf_counter() - sent)
                race.attempts += 1
                if code == 201:
                    race.winners.append({**json.loads(answer), "headers": headers})
                    race.sold_out_at = time.perf_counter() - started
                    return
                if code == 409:
                    race.refused += 1
                else:
                    race.other.append(code)

        await asyncio.gather(*(customer(h) for h in people))
        return race, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def sagas_of(temporal: Client, showtime_id: uuid.UUID, expected: int) -> int:
    query = f'WorkflowType = "BookingWorkflow" AND ShowtimeId = "{showtime_id}"'
    count = 0
    for _ in range(50):  # visibility lags a little behind the starts
        count = (await temporal.count_workflows(query)).count
        if count >= expected:
            await asyncio.sleep(1)
            return (await temporal.count_workflows(query)).count
        await asyncio.sleep(0.2)
    return count


async def run(settings: Settings, base_url: str, label: str) -> None:
    raw_showtime, raw_pairs = await house(settings)
    showtime_id, pairs = await house(settings)
    people = await customers(settings, CUSTOMERS)
    t_raw = await raw_sellout(settings.resolved_database_url, raw_showtime, raw_pairs)

    race, elapsed = await http_race(base_url, showtime_id, pairs, people)
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        held = [uuid.UUID(s["seatId"]) for w in race.winners for s in w["seats"]]
        engine = create_engine(settings.resolved_database_url)
        sessionmaker = make_sessionmaker(engine)
        locked_now = await locked(sessionmaker, showtime_id)
        temporal = await connect_temporal(settings.resolved_temporal_address)
        sagas = await sagas_of(temporal, showtime_id, len(race.winners))
        # Sold out, each seat once, to one winner; one saga per winner, none for the losers.
        assert len(held) == len(set(held)) == 2 * len(pairs) and len(locked_now) == len(held), (len(held), locked_now)
        assert sagas == len(race.winners), (sagas, len(race.winners))
        for winner in race.winners:  # every winner gives the seats back: no seat may stay Locked
            response = await client.delete(f"/api/bookings/{winner['bookingId']}/hold", headers=winner["headers"])
            assert response.status_code == 204, response.text
        for _ in range(300):
            if not await locked(sessionmaker, showtime_id):
                break
            await asyncio.sleep(0.1)
        left = await locked(sessionmaker, showtime_id)
        await engine.dispose()
    assert not left, left

    report(f"Hot on-sale, {label}: {CUSTOMERS} customers, one 200-seat showtime (sold out once; "
           f"{len(race.winners)} sagas for {len(race.winners)} winners; no seat left Locked)", [
        ("raw PostgreSQL sell-out (50 connections)", t_raw, "s"),
        ("ours over HTTP, until the last seat held", race.sold_out_at, "s"),
    ], baseline="raw PostgreSQL sell-out (50 connections)")
    print(f"  lock attempts {race.attempts} ({race.attempts / elapsed:.0f}/s), 201 {len(race.winners)}, "
          f"409 {race.refused}, other {len(race.other)} {sorted(set(race.other))}; "
          f"lock p50 {percentile(race.latencies, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(race.latencies, 0.99) * 1000:.0f} ms; everyone done in {elapsed:.2f} s")


def main() -> None:
    run_on_stack(__doc__ or "", run)


if __name__ == "__main__":
    main()
