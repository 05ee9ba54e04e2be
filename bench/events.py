"""Events: what the transactional outbox costs, measured beside its bare baselines in the same run.

(a) Commit → stream: N transactions (WRITERS at a time) each emitting one booking.created event, with the
    relay running (`OutboxRelay.run`, woken by NOTIFY) in a process of its own, as it does in the worker;
    latency from the commit returning to the event being read from its stream by an XREAD reader.
    Baseline: the same N envelopes XADDed straight to a stream by as many clients, latency from the
    XADD being sent to the reader seeing it.
(b) The seat claim (`domain.showtimes.seat_claims.claim`, bench/seat_claim.py's path: 50 clients selling
    out 200-seat showtimes two seats at a time) with and without one outbox event in the same
    transaction; the relay runs (in its own process) during both.
Run: `.venv/bin/python -m bench.events`. Figures, never thresholds.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.harness import report, servers
from bench.seat_claim import CLIENTS, LAYOUT, claim_all
from domain.contracts.events import BookingCreated, EventEnvelope, Topic
from domain.shared.outbox import emit
from domain.shared.time import utcnow
from domain.showtimes.schemas import SeatLine
from infra.db import SessionMaker, create_engine, make_sessionmaker, unit_of_work
from infra.events.health import relay_lag
from infra.events.relay import OutboxRelay
from infra.redis import create_redis
from infra.settings import EventSettings, Settings
from tests.bookings_support import make_showtime, seats

N = 2000
WARM_UP = 200
WRITERS = 20
ROUNDS = 4  # sell-outs per variant in (b), alternated
BARE_STREAM = "events:bench.bare"


@dataclass
class Flow:
    """When each event was written (COMMIT sent / XADD sent) and when the reader saw it."""

    written: dict[str, float]
    seen: dict[str, float]
    started: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.seen) / (max(self.seen.values()) - self.started)

    def latency_ms(self, quantile: float) -> float:
        latencies = sorted(self.seen[key] - self.written[key] for key in self.seen)
        return 1000 * latencies[min(len(latencies) - 1, int(quantile * len(latencies)))]


def booking_created() -> BookingCreated:
    return BookingCreated(booking_id=uuid.uuid4(), user_id=uuid.uuid4(), showtime_id=uuid.uuid4(),
                          seat_ids=[uuid.uuid4(), uuid.uuid4()], total_amount=180_000, discount=0,
                          final_amount=180_000, payment_method="vnpay", expires_at=utcnow() + timedelta(minutes=15))


async def read_until(redis: Redis, stream: str, after: str, flow: Flow, count: int) -> None:
    """Record when each event id first becomes readable on the stream."""
    while len(flow.seen) < count:
        for _, messages in await redis.xread({stream: after}, block=1000, count=1000) or []:
            now = time.perf_counter()
            for message_id, fields in messages:
                after = message_id
                flow.seen.setdefault(json.loads(fields["envelope"])["eventId"], now)


async def last_id(redis: Redis, stream: str) -> str:
    newest = await redis.xrevrange(stream, count=1)
    return newest[0][0] if newest else "0-0"


async def in_parallel(clients: int, jobs: int, job: Callable[[], Awaitable[None]]) -> None:
    left = iter(range(jobs))

    async def client() -> None:
        for _ in left:
            await job()

    await asyncio.gather(*(client() for _ in range(clients)))


async def outbox_flow(sessionmaker: SessionMaker, redis: Redis, count: int) -> Flow:
    stream, flow = Topic.BOOKING_CREATED.stream, Flow({}, {})
    reader = asyncio.create_task(read_until(redis, stream, await last_id(redis, stream), flow, count))

    async def commit_one() -> None:
        async with unit_of_work(sessionmaker) as session:
            data = booking_created()
            envelope = await emit(session, Topic.BOOKING_CREATED, data, aggregate_id=data.booking_id)
            # COMMIT is sent as the block ends: measured from here, like the bare XADD from its send.
            flow.written[str(envelope.event_id)] = time.perf_counter()

    flow.started = time.perf_counter()
    await in_parallel(WRITERS, count, commit_one)
    await reader
    return flow


async def bare_flow(redis: Redis, count: int) -> Flow:
    flow = Flow({}, {})
    reader = asyncio.create_task(read_until(redis, BARE_STREAM, await last_id(redis, BARE_STREAM), flow, count))

    async def xadd_one() -> None:
        data = booking_created()
        envelope = EventEnvelope(event_id=uuid.uuid4(), event_type=Topic.BOOKING_CREATED, timestamp=utcnow(),
                                 aggregate_id=str(data.booking_id), data=data.model_dump(mode="json", by_alias=True))
        event_id = str(envelope.event_id)
        flow.written[event_id] = time.perf_counter()
        await redis.xadd(BARE_STREAM, {"envelope": envelope.model_dump_json(by_alias=True)})

    flow.started = time.perf_counter()
    await in_parallel(WRITERS, count, xadd_one)
    await reader
    return flow


async def _booking_created(session: AsyncSession, booking_id: uuid.UUID, showtime_id: uuid.UUID,
                           lines: list[SeatLine]) -> None:
    total = sum(line.price for line in lines)
    await emit(session, Topic.BOOKING_CREATED, BookingCreated(
        booking_id=booking_id, user_id=uuid.uuid4(), showtime_id=showtime_id, seat_ids=[line.seat_id for line in lines],
        total_amount=total, discount=0, final_amount=total, payment_method="VNPay",
        expires_at=utcnow() + timedelta(minutes=15)), aggregate_id=booking_id)


async def sell_out(sessionmaker: SessionMaker, *, with_event: bool) -> tuple[int, int, float]:
    """One 200-seat showtime sold out by CLIENTS clients (bench/seat_claim.py's claim): (seats, claims, seconds)."""
    showtime = await make_showtime(sessionmaker, layout=LAYOUT)
    ordered = sorted((await seats(sessionmaker, showtime.id)).values(), key=lambda s: (s.row, s.number))
    pairs = [[ordered[i].seat_id, ordered[i + 1].seat_id] for i in range(0, len(ordered), 2)]
    won, elapsed = await claim_all(sessionmaker, showtime.id, pairs, also=_booking_created if with_event else None)
    assert won == len(ordered), (won, len(ordered))  # sold out, never a seat twice
    return won, won // 2, elapsed


async def seat_claims_with_and_without(engine: AsyncEngine, sessionmaker: SessionMaker) -> None:
    await sell_out(sessionmaker, with_event=True)  # warm-up
    totals = {False: [0, 0.0], True: [0, 0.0]}
    for round_ in range(ROUNDS):
        for with_event in (False, True) if round_ % 2 == 0 else (True, False):
            _, claims, seconds = await sell_out(sessionmaker, with_event=with_event)
            totals[with_event][0] += claims
            totals[with_event][1] += seconds
    await published(engine)
    report(f"(b) Seat claims, {ROUNDS}× a 200-seat showtime sold out by {CLIENTS} clients, relay running "
           f"({totals[True][0]} events published)", [
               ("claim (rules+prices), no event", totals[False][0] / totals[False][1], "claims/s"),
               ("claim + 1 outbox event, same transaction", totals[True][0] / totals[True][1], "claims/s"),
           ], baseline="claim (rules+prices), no event")


async def published(engine: AsyncEngine, timeout: float = 30) -> None:
    """Wait until the relay has published every outbox row."""
    deadline = time.monotonic() + timeout
    while True:
        async with engine.connect() as conn:
            if sum(lag.unpublished for lag in await relay_lag(conn)) == 0:
                return
        assert time.monotonic() < deadline, "the relay fell behind for good"
        await asyncio.sleep(0.05)


@contextmanager
def relay_process(settings: Settings) -> Iterator[None]:
    """The relay in a process of its own (it runs in the worker, never beside the writers)."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    process = context.Process(target=_relay_main, args=(settings.resolved_database_url,
                                                        settings.resolved_redis_url, stop), daemon=True)
    process.start()
    try:
        yield
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()


def _relay_main(database_url: str, redis_url: str, stop: object) -> None:
    async def main() -> None:
        engine, redis = create_engine(database_url, pool_size=2), create_redis(redis_url)
        stopped = asyncio.Event()
        task = asyncio.create_task(OutboxRelay(engine, redis, EventSettings()).run(stopped))
        await asyncio.to_thread(stop.wait)  # type: ignore[attr-defined]
        stopped.set()
        await task
        await redis.aclose()
        await engine.dispose()

    asyncio.run(main())


async def run(settings: Settings) -> None:
    engine: AsyncEngine = create_engine(settings.resolved_database_url, pool_size=CLIENTS)
    sessionmaker = make_sessionmaker(engine)
    redis = create_redis(settings.resolved_redis_url)
    try:
        await bare_flow(redis, WARM_UP)  # fill the connection pools and caches before measuring
        await outbox_flow(sessionmaker, redis, WARM_UP)
        bare, outbox = await bare_flow(redis, N), await outbox_flow(sessionmaker, redis, N)
        title = f"(a) Commit → stream, {N} events, {WRITERS} writers"
        report(f"{title}: throughput", [
            ("bare XADD (no transaction)", bare.throughput, "events/s"),
            ("outbox: commit, relay, XADD", outbox.throughput, "events/s"),
        ], baseline="bare XADD (no transaction)")
        for name, quantile in (("p50", 0.5), ("p99", 0.99)):
            report(f"{title}: latency {name} (write → readable on the stream)", [
                ("bare XADD: XADD sent → read", bare.latency_ms(quantile), "ms"),
                ("outbox: COMMIT sent → read", outbox.latency_ms(quantile), "ms"),
            ], baseline="bare XADD: XADD sent → read")
        await seat_claims_with_and_without(engine, sessionmaker)
        print("\nThe full booking benchmark (API → Temporal saga, with its events) arrives with a later "
              "performance issue.")
    finally:
        await redis.aclose()
        await engine.dispose()


def main() -> None:
    with servers(only=("postgres", "redis")) as settings, relay_process(settings):
        asyncio.run(run(settings))


if __name__ == "__main__":
    main()
