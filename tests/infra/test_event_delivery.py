"""Event delivery under faults, on the real servers: a relay SIGKILLed between publishing and marking, a
consumer that dies mid-batch, a Redis restarted mid-stream, order per aggregate, and dead letters.

Other tests run relays on this database at the same time, and every relay drains every service schema.
So each test here writes to an outbox of its own: a schema made for the test (`outbox` and
`processed_event` shaped as migration 0009 makes them, with its NOTIFY trigger), drained only by this test's
relays, which take the schema list as a parameter. Its events go to the shared `events:fnb.stock.low`
stream (no production consumer), read by consumer groups of this test's own, created at the stream's end;
consumers record what they applied in the schema's `applied` table (no unique key: an event applied twice
shows as two rows). Assertions filter by this test's event ids.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import DEAD_LETTER_STREAM, EventEnvelope, StockLow, Topic
from domain.shared.time import utcnow
from infra.db import SessionMaker
from infra.events.consumer import EventConsumer, Handler, RetryLater, Subscription, failures_key
from infra.events.relay import OutboxRelay
from infra.processes import ManagedProcess, free_port
from infra.redis import create_redis
from infra.servers import start_redis
from infra.settings import EventSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
TOPIC = Topic.FNB_STOCK_LOW
PROCESSED_SCHEMA = "fnb"  # the consumers' processed_event table (rows keyed by this test's group names)

FAST = EventSettings(claim_idle=timedelta(seconds=1), relay_poll_interval=timedelta(milliseconds=200),
                     consumer_block_ms=200)


# The test's own outbox ------------------------------------------------------------------------------
@pytest_asyncio.fixture(loop_scope="session")
async def schema(engine: AsyncEngine) -> AsyncIterator[str]:
    name = f"test_delivery_{uuid.uuid4().hex[:10]}"
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE SCHEMA {name}"))
        await conn.execute(text(f"""
            CREATE TABLE {name}.outbox (
                id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, topic varchar(64) NOT NULL,
                aggregate_id varchar(64) NOT NULL, envelope jsonb NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)"""))
        await conn.execute(text(f"CREATE INDEX ON {name}.outbox (id) WHERE published_at IS NULL"))
        await conn.execute(text(f"CREATE TRIGGER outbox_notify AFTER INSERT ON {name}.outbox "
                                "FOR EACH STATEMENT EXECUTE FUNCTION public.notify_outbox()"))
        await conn.execute(text(f"""
            CREATE TABLE {name}.processed_event (
                consumer varchar(64) NOT NULL, event_id uuid NOT NULL,
                processed_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (consumer, event_id))"""))
        await conn.execute(text(f"""
            CREATE TABLE {name}.applied (
                n bigserial, event_id uuid NOT NULL, consumer text NOT NULL, aggregate_id text NOT NULL,
                seq int NOT NULL)"""))
    try:
        yield name
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP SCHEMA {name} CASCADE"))


async def write_event(engine: AsyncEngine, schema: str, aggregate: uuid.UUID, seq: int) -> uuid.UUID:
    """One event in its own transaction, written as domain/shared/outbox.py `emit` writes it."""
    envelope = EventEnvelope(
        event_id=uuid.uuid4(), event_type=TOPIC, timestamp=utcnow(), aggregate_id=str(aggregate),
        data=StockLow(cinema_id=aggregate, item_id=uuid.uuid4(), quantity=seq, threshold=0).model_dump(
            mode="json", by_alias=True))
    async with engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO {schema}.outbox (event_id, topic, aggregate_id, envelope) "
                                "VALUES (:event_id, :topic, :aggregate, CAST(:envelope AS jsonb))"),
                           {"event_id": envelope.event_id, "topic": TOPIC.value, "aggregate": str(aggregate),
                            "envelope": envelope.model_dump_json(by_alias=True)})
    return envelope.event_id


def recorder(schema: str, group: str) -> Handler:
    """A handler that records the event in the consumer's transaction."""

    async def handle(session: AsyncSession, envelope: EventEnvelope) -> None:
        conn = await session.connection()
        await conn.execute(text(f"INSERT INTO {schema}.applied (event_id, consumer, aggregate_id, seq) "
                                "VALUES (:event_id, :consumer, :aggregate, :seq)"),
                           {"event_id": envelope.event_id, "consumer": group, "aggregate": envelope.aggregate_id,
                            "seq": int(envelope.data["quantity"])})  # type: ignore[call-overload]

    return handle


async def applied_rows(engine: AsyncEngine, schema: str, event_ids: set[uuid.UUID]) -> list[Any]:
    async with engine.connect() as conn:
        rows = (await conn.execute(text(
            f"SELECT event_id, consumer, aggregate_id, seq FROM {schema}.applied ORDER BY n"))).all()
    return [row for row in rows if row.event_id in event_ids]


async def unpublished(engine: AsyncEngine, schema: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {schema}.outbox WHERE published_at IS NULL")))


async def wait_for(probe: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await probe():
        if loop.time() > deadline:
            raise AssertionError(f"not reached after {timeout:.0f}s: {what}")
        await asyncio.sleep(0.1)


def group_name(label: str) -> str:
    return f"test.delivery-{label}-{uuid.uuid4().hex[:8]}"


async def stream_events(redis: Redis, stream: str, start: str, event_ids: set[uuid.UUID]) -> list[uuid.UUID]:
    """The event ids of `event_ids` found on the stream after `start`, one per entry (repeats included)."""
    found = []
    for _, fields in await redis.xrange(stream, min=start):
        event_id = uuid.UUID(json.loads(fields["envelope"])["eventId"])
        if event_id in event_ids:
            found.append(event_id)
    return found


async def stream_end(redis: Redis) -> str:
    seconds, micros = await redis.time()
    return f"{int(seconds) * 1000 + int(micros) // 1000}-0"


@asynccontextmanager
async def own_group(redis: Redis, group: str, stream: str = TOPIC.stream) -> AsyncIterator[str]:
    """A consumer group reading from the stream's end (nothing published before the test), removed after."""
    await redis.xgroup_create(stream, group, id="$", mkstream=True)
    try:
        yield group
    finally:
        try:
            await redis.xgroup_destroy(stream, group)
            await redis.delete(failures_key(group))
        except Exception:  # noqa: BLE001 - a dedicated Redis may already be gone
            pass


@asynccontextmanager
async def running(*runners: Callable[[asyncio.Event], Awaitable[None]]) -> AsyncIterator[asyncio.Event]:
    """Run relays/consumers as tasks until the block ends; then stop them (bounded) and surface errors."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(run(stop)) for run in runners]
    try:
        yield stop
    finally:
        stop.set()
        _, pending = await asyncio.wait(tasks, timeout=10)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]


async def pending_count(redis: Redis, group: str, stream: str = TOPIC.stream) -> int:
    return int((await redis.xpending(stream, group))["pending"])


# 1. The relay SIGKILLed between publishing and marking --------------------------------------------
RELAY_RUNNER = """
import asyncio, sys
from datetime import timedelta
from infra.db import create_engine
from infra.events.relay import OutboxRelay
from infra.redis import create_redis
from infra.settings import EventSettings

async def main(database_url, redis_url, schema):
    settings = EventSettings(relay_mark_delay=timedelta(seconds=0.3), relay_batch=10,
                             relay_poll_interval=timedelta(milliseconds=200))
    relay = OutboxRelay(create_engine(database_url, pool_size=2), create_redis(redis_url), settings,
                        schemas=(schema,))
    print("relay ready", flush=True)
    await relay.run(asyncio.Event())

asyncio.run(main(*sys.argv[1:]))
"""


class RelayProcess:
    """Only `OutboxRelay.run` on the test's schema, in a process of its own, with a 0.3 s pause between
    XADD and marking rows published (EventSettings.relay_mark_delay), so a SIGKILL lands in between."""

    def __init__(self, settings: Settings, schema: str, log: Path) -> None:
        self.argv = [sys.executable, "-c", RELAY_RUNNER, settings.resolved_database_url,
                     settings.resolved_redis_url, schema]
        self.log, self.starts = log, 0
        self.proc: ManagedProcess | None = None

    async def start(self) -> None:
        self.starts += 1
        self.proc = ManagedProcess(name="relay", argv=self.argv, log_path=self.log, cwd=ROOT).start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while not (self.log.exists() and self.log.read_text().count("relay ready") >= self.starts):
            if not self.proc.running:
                raise RuntimeError(f"relay exited with {self.proc.returncode}:\n{self.proc.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"relay not ready:\n{self.proc.log_tail()}")
            await asyncio.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop(timeout=5)


async def test_relay_killed_between_publish_and_mark_ten_times(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, settings: Settings, schema: str,
        tmp_path: Path) -> None:
    total, kills = 300, 10
    group = group_name("relay-kill")
    start = await stream_end(redis)
    written: list[uuid.UUID] = []

    async def write_all() -> None:
        for n in range(total):
            written.append(await write_event(engine, schema, uuid.uuid4(), n))
            await asyncio.sleep(0.01)

    relay = RelayProcess(settings, schema, tmp_path / "relay.log")
    consumer = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,),
                                                               recorder(schema, group)), FAST, name="only")
    async with own_group(redis, group), running(consumer.run):
        writer = asyncio.create_task(write_all())
        try:
            for _ in range(kills):
                await relay.start()
                await asyncio.sleep(random.uniform(0.2, 0.7))
                relay.kill()
            await relay.start()
            await asyncio.wait_for(writer, 30)
            ids = set(written)
            await wait_for(lambda: _zero(unpublished(engine, schema)), timeout=30, what="every row published")
            await wait_for(lambda: _has(applied_rows(engine, schema, ids), total), timeout=30,
                           what=f"{total} events applied")
            await asyncio.sleep(0.5)  # time for a wrong second application to show
        finally:
            writer.cancel()
            relay.stop()
        on_stream = await stream_events(redis, TOPIC.stream, start, ids)
        rows = await applied_rows(engine, schema, ids)
        assert await pending_count(redis, group) == 0

    assert len(ids) == total
    assert set(on_stream) == ids  # every event published at least once
    assert len(on_stream) > total, "no kill landed between XADD and the mark: no event was published twice"
    assert len(rows) == total and {row.event_id for row in rows} == ids  # and applied exactly once


async def _zero(count: Awaitable[int]) -> bool:
    return await count == 0


async def _has(rows: Awaitable[list[Any]], count: int) -> bool:
    return len(await rows) >= count


# 2. A consumer killed mid-batch -------------------------------------------------------------------
async def test_consumer_killed_mid_batch_is_taken_over(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, schema: str) -> None:
    total, dies_at = 10, 5
    group = group_name("takeover")
    reached, never = asyncio.Event(), asyncio.Event()
    record = recorder(schema, group)

    async def dies_on_fifth(session: AsyncSession, envelope: EventEnvelope) -> None:
        await record(session, envelope)
        if int(envelope.data["quantity"]) == dies_at:  # type: ignore[call-overload]
            reached.set()
            await never.wait()  # hangs here, mid-transaction, until killed

    async with own_group(redis, group):
        aggregate = uuid.uuid4()
        ids = {await write_event(engine, schema, aggregate, n) for n in range(1, total + 1)}
        await OutboxRelay(engine, redis, FAST, schemas=(schema,)).drain()

        a = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), dies_on_fifth),
                          FAST, name="a")
        a_task = asyncio.create_task(a.run(asyncio.Event()))
        await asyncio.wait_for(reached.wait(), 10)
        a_task.cancel()  # dies before committing or acknowledging the 5th: events 5..10 pending for "a"
        await asyncio.gather(a_task, return_exceptions=True)
        pending = await redis.xpending_range(TOPIC.stream, group, min="-", max="+", count=100)
        assert a.applied == dies_at - 1
        assert len(pending) == total - dies_at + 1 and {p["consumer"] for p in pending} == {"a"}

        b = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), record), FAST,
                          name="b")
        async with running(b.run):
            await wait_for(lambda: _has(applied_rows(engine, schema, ids), total), timeout=15,
                           what="b applies what a left")
            await wait_for(lambda: _zero(pending_count(redis, group)), timeout=5, what="nothing pending")
        rows = await applied_rows(engine, schema, ids)

    assert b.applied == total - dies_at + 1
    assert len(rows) == total and {row.event_id for row in rows} == ids
    assert sorted(row.seq for row in rows) == list(range(1, total + 1))


# 3. Redis restarted mid-stream --------------------------------------------------------------------
async def test_redis_restarted_mid_stream(
        engine: AsyncEngine, sessionmaker: SessionMaker, schema: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    total, restarts = 120, 2
    port = free_port()
    server = start_redis(tmp_path, port)
    client = create_redis(f"redis://127.0.0.1:{port}/0")
    group = group_name("redis-restart")
    written: list[uuid.UUID] = []

    async def write_all() -> None:
        for n in range(total):
            written.append(await write_event(engine, schema, uuid.uuid4(), n))
            await asyncio.sleep(0.02)

    relay = OutboxRelay(engine, client, FAST, schemas=(schema,))
    consumer = EventConsumer(sessionmaker, client, Subscription(group, PROCESSED_SCHEMA, (TOPIC,),
                                                                recorder(schema, group)), FAST, name="only")
    try:
        with caplog.at_level(logging.WARNING, logger="cinema.events.relay"):
            async with own_group(client, group), running(relay.run, consumer.run):
                writer = asyncio.create_task(write_all())
                for _ in range(restarts):
                    await asyncio.sleep(0.8)
                    server.kill()  # SIGKILL, then the same port and data folder (AOF)
                    await asyncio.sleep(0.3)
                    server = await asyncio.to_thread(start_redis, tmp_path, port)
                await asyncio.wait_for(writer, 30)
                ids = set(written)
                await wait_for(lambda: _has(applied_rows(engine, schema, ids), total), timeout=30,
                               what=f"{total} events applied after the restarts")
                await asyncio.sleep(0.5)
                rows = await applied_rows(engine, schema, ids)
                on_stream = await stream_events(client, TOPIC.stream, "-", ids)
                assert await pending_count(client, group) == 0
    finally:
        await client.aclose()
        server.stop()

    assert any("Redis restarted" in record.getMessage() for record in caplog.records), \
        "the relay did not notice the new run_id"
    assert set(on_stream) == ids and len(on_stream) > total  # recent rows published again
    assert len(rows) == total and {row.event_id for row in rows} == ids


async def test_redis_back_empty_after_losing_its_data(
        engine: AsyncEngine, sessionmaker: SessionMaker, schema: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    """The outbox is the truth: a Redis that comes back without its streams and groups gets the recent events
    published again, the group made again, and each event is still applied exactly once."""
    total = 60
    port = free_port()
    server = start_redis(tmp_path / "before", port)
    client = create_redis(f"redis://127.0.0.1:{port}/0")
    group = group_name("redis-lost")
    written: list[uuid.UUID] = []

    async def write_all() -> None:
        for n in range(total):
            written.append(await write_event(engine, schema, uuid.uuid4(), n))
            await asyncio.sleep(0.02)

    relay = OutboxRelay(engine, client, FAST, schemas=(schema,))
    consumer = EventConsumer(sessionmaker, client, Subscription(group, PROCESSED_SCHEMA, (TOPIC,),
                                                                recorder(schema, group)), FAST, name="only")
    try:
        with caplog.at_level(logging.WARNING, logger="cinema.events.relay"):
            async with own_group(client, group), running(relay.run, consumer.run):
                writer = asyncio.create_task(write_all())
                await asyncio.sleep(0.6)
                server.kill()
                server = await asyncio.to_thread(start_redis, tmp_path / "after", port)  # nothing of before
                await asyncio.wait_for(writer, 30)
                ids = set(written)
                await wait_for(lambda: _has(applied_rows(engine, schema, ids), total), timeout=30,
                               what=f"{total} events applied after Redis lost its data")
                await asyncio.sleep(0.5)
                rows = await applied_rows(engine, schema, ids)
                on_stream = await stream_events(client, TOPIC.stream, "-", ids)
                assert await pending_count(client, group) == 0
    finally:
        await client.aclose()
        server.stop()

    assert set(on_stream) == ids  # the new Redis has every event, those published before the loss too
    assert any("Redis restarted" in record.getMessage() for record in caplog.records)
    assert len(rows) == total and {row.event_id for row in rows} == ids


# 4. Order per aggregate ---------------------------------------------------------------------------
async def test_order_per_aggregate(engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis,
                                   schema: str) -> None:
    aggregates, per_aggregate = 6, 5
    group = group_name("order")
    # Two relays on the same schema: the lease keeps them from overtaking each other.
    relays = [OutboxRelay(engine, redis, FAST, schemas=(schema,)) for _ in range(2)]
    consumer = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,),
                                                               recorder(schema, group)), FAST, name="only")

    async def write_aggregate(aggregate: uuid.UUID) -> list[uuid.UUID]:
        ids = []
        for seq in range(1, per_aggregate + 1):  # each in its own transaction, after the previous committed
            ids.append(await write_event(engine, schema, aggregate, seq))
            await asyncio.sleep(random.uniform(0, 0.03))
        return ids

    async with own_group(redis, group), running(*(r.run for r in relays), consumer.run):
        written = await asyncio.gather(*(write_aggregate(uuid.uuid4()) for _ in range(aggregates)))
        ids = {event_id for chunk in written for event_id in chunk}
        await wait_for(lambda: _has(applied_rows(engine, schema, ids), len(ids)), timeout=15,
                       what="every event applied")
        rows = await applied_rows(engine, schema, ids)

    assert len(rows) == aggregates * per_aggregate
    by_aggregate: dict[str, list[int]] = {}
    for row in rows:  # in the order applied
        by_aggregate.setdefault(row.aggregate_id, []).append(row.seq)
    assert len(by_aggregate) == aggregates
    assert all(order == list(range(1, per_aggregate + 1)) for order in by_aggregate.values()), by_aggregate
    # Interleaved: the aggregates' events did not arrive one aggregate after another.
    arrivals = [row.aggregate_id for row in rows]
    assert sum(x != y for x, y in zip(arrivals, arrivals[1:], strict=False)) > aggregates - 1


# 5. Dead letter -----------------------------------------------------------------------------------
async def test_always_failing_event_goes_to_the_dead_letter_stream(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, schema: str) -> None:
    settings = FAST.model_copy(update={"max_failures": 2, "claim_idle": timedelta(seconds=0.5)})
    group = group_name("dead")
    record = recorder(schema, group)
    calls: list[uuid.UUID] = []

    async def always_fails(session: AsyncSession, envelope: EventEnvelope) -> None:
        calls.append(envelope.event_id)
        await record(session, envelope)  # rolled back with the failure
        raise ValueError(f"cannot apply {envelope.event_id}")

    start = await stream_end(redis)
    consumer = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), always_fails),
                             settings, name="only")

    async def dead_letters() -> list[dict[str, str]]:
        return [fields for _, fields in await redis.xrange(DEAD_LETTER_STREAM, min=start)
                if fields.get("group") == group]

    async with own_group(redis, group), running(consumer.run):
        event_id = await write_event(engine, schema, uuid.uuid4(), 1)
        await OutboxRelay(engine, redis, settings, schemas=(schema,)).drain()

        async def dead() -> bool:
            return len(await dead_letters()) > 0

        await wait_for(dead, timeout=15, what="the event in events:dead")
        await asyncio.sleep(1.2)  # more than claim_idle: a dead event must not be tried again
        [letter] = await dead_letters()
        assert await pending_count(redis, group) == 0
        assert await redis.hgetall(failures_key(group)) == {}

    assert letter["stream"] == TOPIC.stream
    assert json.loads(letter["envelope"])["eventId"] == str(event_id)
    assert "ValueError" in letter["error"] and str(event_id) in letter["error"]
    assert calls == [event_id] * settings.max_failures
    assert consumer.applied == 0 and await applied_rows(engine, schema, {event_id}) == []


# 6. A slow handler taken over while it runs -------------------------------------------------------
async def test_event_claimed_while_its_first_consumer_still_applies_it_is_applied_once(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, schema: str) -> None:
    group = group_name("slow")
    record = recorder(schema, group)
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(session: AsyncSession, envelope: EventEnvelope) -> None:
        await record(session, envelope)
        started.set()
        await release.wait()  # longer than claim_idle: "b" takes the event over meanwhile

    async with own_group(redis, group):
        event_id = await write_event(engine, schema, uuid.uuid4(), 1)
        await OutboxRelay(engine, redis, FAST, schemas=(schema,)).drain()
        a = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), slow), FAST,
                          name="a")
        b = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), record), FAST,
                          name="b")
        async with running(a.run):
            await asyncio.wait_for(started.wait(), 10)
            async with running(b.run):

                async def claimed_by_b() -> bool:
                    pending = await redis.xpending_range(TOPIC.stream, group, min="-", max="+", count=10)
                    return [p["consumer"] for p in pending] == ["b"]

                await wait_for(claimed_by_b, timeout=10, what="b claims the event a is still applying")
                await asyncio.sleep(0.3)  # b now waits on a's uncommitted processed_event row
                release.set()
                await wait_for(lambda: _zero(pending_count(redis, group)), timeout=10, what="nothing pending")
        rows = await applied_rows(engine, schema, {event_id})

    assert (a.applied, b.applied) == (1, 0)
    assert [row.event_id for row in rows] == [event_id]


# 7. A transient failure is retried past max_failures, never dead-lettered -------------------------
async def test_retry_later_is_retried_without_limit(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, schema: str) -> None:
    settings = FAST.model_copy(update={"max_failures": 2, "claim_idle": timedelta(seconds=0.5)})
    group = group_name("retry")
    record = recorder(schema, group)
    calls: list[uuid.UUID] = []

    async def flaky(session: AsyncSession, envelope: EventEnvelope) -> None:
        calls.append(envelope.event_id)
        if len(calls) <= 3:
            raise RetryLater("provider down")
        await record(session, envelope)

    start = await stream_end(redis)
    consumer = EventConsumer(sessionmaker, redis, Subscription(group, PROCESSED_SCHEMA, (TOPIC,), flaky),
                             settings, name="only")
    async with own_group(redis, group), running(consumer.run):
        event_id = await write_event(engine, schema, uuid.uuid4(), 1)
        await OutboxRelay(engine, redis, settings, schemas=(schema,)).drain()
        await wait_for(lambda: _has(applied_rows(engine, schema, {event_id}), 1), timeout=15,
                       what="applied after three transient failures")
        await wait_for(lambda: _zero(pending_count(redis, group)), timeout=5, what="nothing pending")

    assert calls == [event_id] * 4 and consumer.applied == 1
    assert not [fields for _, fields in await redis.xrange(DEAD_LETTER_STREAM, min=start)
                if fields.get("group") == group]
