"""Event pipeline health on the real servers: relay lag, consumer-group lag, dead letters and their replay,
and the `cinema events` commands that show them.

Other tests run relays and consumers in this session, so every stream and group here is this test's own
(or, on a shared stream, found by its unique ids), and a schema's relay is paused while we count its rows.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
import pytest_asyncio
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.contracts.events import DEAD_LETTER_STREAM, EventEnvelope, SagaStepEvent, Topic
from domain.shared.outbox import OUTBOX, emit
from domain.shared.time import utcnow
from infra.db import SessionMaker, create_engine, unit_of_work
from infra.events import health
from infra.events.consumer import EventConsumer, Subscription
from infra.events.relay import OutboxRelay
from infra.settings import EventSettings, Settings

# No other test writes to this schema's outbox; its rows go to a topic nothing in the project consumes.
SCHEMA = "analytics"
TOPIC = Topic.SAGA_STEP_COMPLETED
CINEMA = [sys.executable, "-m", "cinema.cli"]


@pytest_asyncio.fixture(loop_scope="session")
async def db(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.resolved_database_url, pool_size=2)
    yield engine
    await engine.dispose()


@asynccontextmanager
async def relay_paused(engine: AsyncEngine, schema: str) -> AsyncIterator[None]:
    """Hold the schema's relay lease (the advisory lock infra/events/relay.py takes), so no relay publishes
    its rows until the block ends."""
    async with engine.connect() as conn, conn.begin():
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"outbox-relay:{schema}"})
        yield


async def emit_steps(sessionmaker: SessionMaker, count: int) -> list[uuid.UUID]:
    """Write `count` events to the test schema's outbox in one transaction; their event ids."""
    async with unit_of_work(sessionmaker) as session:
        envelopes = [await emit(session, TOPIC, SagaStepEvent(saga_id=(saga := uuid.uuid4()), step="probe",
                                                              service=SCHEMA), aggregate_id=saga, service=SCHEMA)
                     for _ in range(count)]
    return [envelope.event_id for envelope in envelopes]


def envelope_json(aggregate_id: str | None = None) -> str:
    saga = uuid.uuid4()
    return EventEnvelope(event_id=uuid.uuid4(), event_type=TOPIC, timestamp=utcnow(),
                         aggregate_id=aggregate_id or str(saga),
                         data=SagaStepEvent(saga_id=saga, step="probe", service=SCHEMA).model_dump(
                             mode="json", by_alias=True)).model_dump_json(by_alias=True)


@asynccontextmanager
async def own_stream(redis: Redis, *groups: str) -> AsyncIterator[str]:
    """A stream of this test's own, with these groups reading from its end; deleted afterwards."""
    stream = f"events:test-{uuid.uuid4().hex[:12]}"
    for group in groups:
        await redis.xgroup_create(stream, group, id="$", mkstream=True)
    try:
        yield stream
    finally:
        await redis.delete(stream)


def one(lags: list[health.GroupLag], group: str) -> health.GroupLag:
    [lag] = [lag for lag in lags if lag.group == group]
    return lag


class TestRelayLag:
    async def test_unpublished_rows_count_until_the_relay_publishes_them(
            self, db: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, settings: Settings) -> None:
        async with relay_paused(db, SCHEMA):
            async with db.connect() as conn:
                [before] = await health.relay_lag(conn, [SCHEMA])
            event_ids = await emit_steps(sessionmaker, 3)
            await asyncio.sleep(0.05)
            async with db.connect() as conn:
                [pending] = await health.relay_lag(conn, [SCHEMA])
                everywhere = {lag.schema: lag for lag in await health.relay_lag(conn)}
        assert pending.unpublished == before.unpublished + 3
        assert pending.oldest_age is not None and 0.05 <= pending.oldest_age < 60
        assert everywhere[SCHEMA].unpublished == pending.unpublished and len(everywhere) == len(OUTBOX)

        await OutboxRelay(db, redis, settings.events, schemas=(SCHEMA,)).drain()
        async with db.connect() as conn:
            [after] = await health.relay_lag(conn, [SCHEMA])
        assert (after.unpublished, after.oldest_age) == (0, None)
        published = {json.loads(fields["envelope"])["eventId"]
                     for _, fields in await redis.xrevrange(TOPIC.stream, count=50)}
        assert {str(event_id) for event_id in event_ids} <= published

    async def test_only_service_schemas_are_read(self, db: AsyncEngine) -> None:
        async with db.connect() as conn:
            with pytest.raises(ValueError, match="not a service schema"):
                await health.relay_lag(conn, ["public; DROP TABLE x"])


class TestGroupLag:
    async def test_pending_oldest_age_and_undelivered(self, redis: Redis) -> None:
        group = f"test.lag-{uuid.uuid4().hex[:8]}"
        async with own_stream(redis, group) as stream:
            seconds, _ = await redis.time()
            minute_ago = (int(seconds) - 60) * 1000
            for n in range(3):  # ids a minute old: the pending age is read from the id
                await redis.xadd(stream, {"envelope": envelope_json()}, id=f"{minute_ago}-{n}")
            fresh = one(await health.group_lag(redis, [stream]), group)
            assert (fresh.stream, fresh.pending, fresh.oldest_pending_age, fresh.undelivered) == (stream, 0, None, 3)
            assert not fresh.undelivered_capped

            await redis.xreadgroup(group, "reader", {stream: ">"}, count=2)
            read = one(await health.group_lag(redis, [stream]), group)
            assert (read.consumers, read.pending, read.undelivered) == (1, 2, 1)
            assert read.oldest_pending_age is not None and 59 <= read.oldest_pending_age < 120

            capped = one(await health.group_lag(redis, [stream], cap=1), group)
            assert (capped.undelivered, capped.undelivered_capped) == (1, True)
            await redis.xreadgroup(group, "reader", {stream: ">"})
            assert one(await health.group_lag(redis), group).undelivered == 0  # found among all streams

    async def test_a_missing_stream_has_no_groups(self, redis: Redis) -> None:
        assert await health.group_lag(redis, [f"events:test-missing-{uuid.uuid4().hex}"]) == []


class TestDeadLetters:
    async def test_a_failing_event_goes_dead_and_replays_to_its_stream(self, sessionmaker: SessionMaker,
                                                                       redis: Redis) -> None:
        group, aggregate = f"test.dead-{uuid.uuid4().hex[:8]}", str(uuid.uuid4())
        failing = True

        async def handle(_: object, event: EventEnvelope) -> None:
            if failing and event.aggregate_id == aggregate:
                raise RuntimeError("boom: the handler refuses this event")

        await redis.xgroup_create(TOPIC.stream, group, id="$", mkstream=True)
        try:
            consumer = EventConsumer(sessionmaker, redis, Subscription(group, SCHEMA, (TOPIC,), handle),
                                     EventSettings(max_failures=1, claim_idle=timedelta(seconds=1),
                                                   consumer_block_ms=100))
            sent = await redis.xadd(TOPIC.stream, {"envelope": envelope_json(aggregate)})
            letter = await _wait_dead(consumer, redis, group)
            assert (letter.stream, letter.message_id, letter.event_type) == (TOPIC.stream, sent, TOPIC.value)
            assert "boom" in letter.error and letter.failed_at
            assert await health.dead_letter_count(redis) >= 1
            assert one(await health.group_lag(redis, [TOPIC.stream]), group).pending == 0

            replayed = await health.replay_dead(redis, letter.id)
            assert replayed.stream == TOPIC.stream
            [(_, fields)] = await redis.xrange(TOPIC.stream, min=replayed.message_id, max=replayed.message_id)
            assert json.loads(fields["envelope"])["aggregateId"] == aggregate
            assert await redis.xrange(DEAD_LETTER_STREAM, min=letter.id, max=letter.id) == []

            failing = False  # fixed: the replayed event is applied this time
            for _ in range(20):
                await consumer.poll()
                if consumer.applied:
                    break
            assert consumer.applied == 1
            with pytest.raises(health.DeadLetterNotFound, match="No dead letter"):
                await health.replay_dead(redis, letter.id)  # already replayed
        finally:
            await redis.xgroup_destroy(TOPIC.stream, group)

    async def test_unknown_ids_are_a_clear_error(self, redis: Redis) -> None:
        for dead_id in ("1-1", "not-an-id"):
            with pytest.raises(health.DeadLetterNotFound, match=f"No dead letter '{dead_id}' in events:dead"):
                await health.replay_dead(redis, dead_id)


async def _wait_dead(consumer: EventConsumer, redis: Redis, group: str) -> health.DeadLetter:
    for _ in range(20):
        await consumer.poll()
        found = [letter for letter in await health.dead_letters(redis, 100) if letter.group == group]
        if found:
            return found[0]
    raise AssertionError(f"no dead letter for {group}")


async def _dead_record(redis: Redis, stream: str, group: str) -> str:
    """A dead letter in the shape the consumer writes, for an event on `stream`."""
    return await redis.xadd(DEAD_LETTER_STREAM, {
        "stream": stream, "group": group, "messageId": "1-0", "error": "RuntimeError('boom in the cli test')",
        "failedAt": utcnow().isoformat(), "envelope": envelope_json()})


# `cinema events …` as an operator runs it: a real process, reading the same CINEMA_* settings.


def cinema(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CINEMA, *args], env=cli_env(settings), cwd=tempfile.gettempdir(), capture_output=True,
                          text=True, timeout=60)


def cli_env(settings: Settings) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CINEMA_")}
    return env | {"CINEMA_DATABASE_URL": settings.resolved_database_url,
                  "CINEMA_REDIS_URL": settings.resolved_redis_url, "COLUMNS": "250", "PYTHONUNBUFFERED": "1"}


class TestEventsCommands:
    async def test_lag_shows_each_group_and_the_relay(self, redis: Redis, settings: Settings) -> None:
        group = f"test.cli-lag-{uuid.uuid4().hex[:8]}"
        async with own_stream(redis, group) as stream:
            for _ in range(4):
                await redis.xadd(stream, {"envelope": envelope_json()})
            await redis.xreadgroup(group, "reader", {stream: ">"}, count=1)
            result = await asyncio.to_thread(cinema, settings, "events", "lag")
        assert result.returncode == 0, result.stdout + result.stderr
        [row] = [line for line in result.stdout.splitlines() if group in line]
        name, on, consumers, pending, oldest, undelivered = (cell.strip() for cell in row.split("│")[1:-1])
        assert (name, on, consumers, pending, undelivered) == (group, stream, "1", "1", "3")
        assert oldest.endswith("s")
        assert "Outbox relay" in result.stdout and all(schema in result.stdout for schema in OUTBOX)

    async def test_dead_lists_and_replays(self, redis: Redis, settings: Settings) -> None:
        group = f"test.cli-dead-{uuid.uuid4().hex[:8]}"
        async with own_stream(redis) as stream:
            dead_id = await _dead_record(redis, stream, group)
            listed = await asyncio.to_thread(cinema, settings, "events", "dead", "--limit", "100")
            assert listed.returncode == 0, listed.stdout + listed.stderr
            [row] = [line for line in listed.stdout.splitlines() if dead_id in line]
            assert group in row and stream in row and TOPIC.value in row and "boom in the cli test" in row

            replayed = await asyncio.to_thread(cinema, settings, "events", "dead", "--replay", dead_id)
            assert replayed.returncode == 0, replayed.stdout + replayed.stderr
            assert f"Replayed {dead_id} to {stream}" in replayed.stdout
            assert await redis.xlen(stream) == 1
            again = await asyncio.to_thread(cinema, settings, "events", "dead", "--replay", dead_id)
        assert again.returncode == 1 and f"No dead letter '{dead_id}'" in again.stdout

    async def test_tail_prints_new_events_until_ctrl_c(self, redis: Redis, settings: Settings) -> None:
        proc = subprocess.Popen([*CINEMA, "events", "tail"], env=cli_env(settings), cwd=tempfile.gettempdir(),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            assert proc.stdout is not None
            first = await asyncio.to_thread(proc.stdout.readline)
            assert "Following every events:* stream" in first, first
            aggregate = str(uuid.uuid4())
            async with own_stream(redis) as stream:  # created after the tail started: it finds it
                await redis.xadd(stream, {"envelope": envelope_json(aggregate)})
                line = await asyncio.wait_for(asyncio.to_thread(_line_with, proc, aggregate), timeout=15)
            assert TOPIC.value in line and '{"sagaId":' in line and line.rstrip().endswith("…")
            # Keep reading: other tests' events keep coming, and a full pipe would block the tail's writes.
            drain = asyncio.create_task(asyncio.to_thread(proc.stdout.read))
            proc.send_signal(signal.SIGINT)
            assert await asyncio.to_thread(proc.wait, 15) == 0
            await drain
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

    def test_tail_refuses_an_unknown_topic(self, settings: Settings) -> None:
        result = cinema(settings, "events", "tail", "booking.nonsense")
        assert result.returncode == 1 and "Unknown topic booking.nonsense" in result.stdout


def _line_with(proc: subprocess.Popen[str], needle: str) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if needle in line:
            return line
    raise AssertionError(f"no line with {needle}")
