"""Full bookings over HTTP, as an app and a customer make them: lock-seats → checkout with VNPay → open the
simulator's payment page and press Pay → the signed IPN reaches our webhook → the booking reads Confirmed.

60 bookings at 20 concurrent (confirmed per second), then 10 one at a time (p50 from lock to Confirmed).
Baseline, same run, same Temporal server: a bare workflow of 7 sequential no-op activities (bench/bare.py),
the same counts at the same concurrency. Run: `.venv/bin/python -m bench.booking [--api-workers N --workers N]`.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid

import httpx

from bench.bare import bare_worker, sagas_at
from bench.cli import run_on_stack
from bench.cpu import cpu_seconds, per_operation
from bench.customers import customers
from bench.harness import report
from bench.onsale import LAYOUT
from infra.db import create_engine, make_sessionmaker
from infra.settings import Settings
from infra.temporal import connect_temporal
from tests.bookings_support import make_showtime, seats

CONCURRENT, BOOKINGS, ONE_BY_ONE = 20, 60, 10
# The app looks whether its booking is confirmed after 50 ms, then backs off by half each time, up to 1 s.
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.05, 1.5, 1.0


async def pairs_of_a_house(settings: Settings) -> tuple[uuid.UUID, list[list[str]]]:
    engine = create_engine(settings.resolved_database_url)
    try:
        sessionmaker = make_sessionmaker(engine)
        showtime = await make_showtime(sessionmaker, layout=LAYOUT)
        ordered = sorted((await seats(sessionmaker, showtime.id)).values(), key=lambda s: (s.row, s.number))
        return showtime.id, [[str(ordered[i].seat_id), str(ordered[i + 1].seat_id)]
                             for i in range(0, len(ordered), 2)]
    finally:
        await engine.dispose()


PHASES = ("lock-seats", "checkout", "gateway page + Pay", "IPN to Confirmed")
phase_times: dict[str, list[float]] = {name: [] for name in PHASES}


def _phase(name: str, since: float) -> float:
    now = time.perf_counter()
    phase_times[name].append(now - since)
    return now


async def book(client: httpx.AsyncClient, headers: dict[str, str], showtime_id: uuid.UUID, pair: list[str]) -> float:
    """Seconds from lock-seats to the booking read back Confirmed."""
    started = mark = time.perf_counter()
    held = await client.post("/api/bookings/lock-seats", headers=headers,
                             json={"showtimeId": str(showtime_id), "seatIds": pair})
    assert held.status_code == 201, held.text
    booking_id = held.json()["bookingId"]
    mark = _phase("lock-seats", mark)
    out = await client.post("/api/bookings", headers=headers, json={"bookingId": booking_id, "paymentMethod": "VNPay"})
    assert out.status_code == 201, out.text
    mark = _phase("checkout", mark)
    pay_url = out.json()["paymentUrl"]
    page = await client.get(pay_url)
    assert page.status_code == 200, page.text
    paid = await client.post(pay_url, data={"action": "pay"})
    assert paid.status_code == 302, paid.text
    mark = _phase("gateway page + Pay", mark)
    wait = POLL_FIRST
    while True:
        booking = await client.get(f"/api/bookings/{booking_id}", headers=headers)
        status = booking.json()["status"]
        if status == "Confirmed":
            _phase("IPN to Confirmed", mark)
            return time.perf_counter() - started
        assert status == "Pending", booking.text
        await asyncio.sleep(wait)
        wait = min(wait * POLL_GROWTH, POLL_MAX)


async def bookings_at(client: httpx.AsyncClient, people: list[dict[str, str]], showtime_id: uuid.UUID,
                      pairs: list[list[str]], concurrency: int) -> tuple[float, list[float]]:
    gate, durations = asyncio.Semaphore(concurrency), []

    async def one(headers: dict[str, str], pair: list[str]) -> None:
        async with gate:
            durations.append(await book(client, headers, showtime_id, pair))

    started = time.perf_counter()
    await asyncio.gather(*(one(h, p) for h, p in zip(people, pairs, strict=False)))
    return len(durations) / (time.perf_counter() - started), durations


async def run(settings: Settings, base_url: str, label: str) -> None:
    showtime_id, pairs = await pairs_of_a_house(settings)
    people = await customers(settings, BOOKINGS + ONE_BY_ONE)
    temporal = await connect_temporal(settings.resolved_temporal_address)
    async with bare_worker(temporal):
        await sagas_at(temporal, 3, 1)  # warm up
        before = cpu_seconds()
        bare_rate, _ = await sagas_at(temporal, BOOKINGS, CONCURRENT)
        bare_cpu = per_operation(before, cpu_seconds(), BOOKINGS)
        _, bare_alone = await sagas_at(temporal, ONE_BY_ONE, 1)
    async with httpx.AsyncClient(base_url=base_url, timeout=60,
                                 limits=httpx.Limits(max_connections=2 * CONCURRENT)) as client:
        await book(client, people[0], showtime_id, pairs[0])  # warm up
        for times in phase_times.values():
            times.clear()
        before = cpu_seconds()
        rate, _ = await bookings_at(client, people[1:BOOKINGS + 1], showtime_id, pairs[1:BOOKINGS + 1], CONCURRENT)
        booking_cpu = per_operation(before, cpu_seconds(), BOOKINGS)
        at_load = {name: statistics.median(times) * 1000 for name, times in phase_times.items()}
        _, alone = await bookings_at(client, people[BOOKINGS + 1:], showtime_id, pairs[BOOKINGS + 1:], 1)
    report(f"Bookings, {label}: {BOOKINGS} at {CONCURRENT} concurrent", [
        ("bare 7-activity workflow", bare_rate, "/s"),
        ("full booking over HTTP, confirmed", rate, "/s"),
    ], baseline="bare 7-activity workflow")
    print(f"  a bare workflow: {bare_cpu}\n  a booking: {booking_cpu}")
    print("  where a booking's time goes at 20 concurrent (p50): "
          + ", ".join(f"{name} {ms:.0f} ms" for name, ms in at_load.items()))
    report(f"Bookings one at a time ({ONE_BY_ONE - 1}), p50", [
        ("bare 7-activity workflow, p50", statistics.median(bare_alone) * 1000, "ms"),
        ("full booking over HTTP, p50", statistics.median(alone) * 1000, "ms"),
    ], baseline="bare 7-activity workflow, p50")


def main() -> None:
    run_on_stack(__doc__ or "", run)


if __name__ == "__main__":
    main()
