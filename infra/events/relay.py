"""The outbox relay: publishes committed outbox rows to Redis Streams, in commit order per service, once.

For each service schema, one transaction holds that schema's relay lease (a transaction-scoped advisory
lock, so several relays never publish the same rows or overtake each other), reads the oldest unpublished
rows, XADDs them to `events:<topic>` and marks them published. A relay killed between the XADD and the
mark publishes those rows again when it comes back: delivery is at least once, and consumers apply each
event once by its id (infra/events/consumer.py).

It wakes on the `outbox` NOTIFY sent when a writing transaction commits and polls as a fallback. A Redis
that restarted (its run_id changed) may have lost the last writes it acknowledged: rows published within
`republish_window` are published again. Published rows are deleted after `outbox_retention`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

import asyncpg
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.shared.outbox import NOTIFY_CHANNEL, SERVICE_SCHEMAS
from infra.settings import EventSettings

log = logging.getLogger("cinema.events.relay")

CLEANUP_EVERY = 300.0  # seconds between retention sweeps
REDIS_CHECK_EVERY = 1.0  # seconds between looks at Redis's run_id


def listen_dsn(engine: AsyncEngine) -> str:
    """The engine's database as a plain asyncpg DSN (LISTEN needs a connection of its own)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxRelay:
    def __init__(self, engine: AsyncEngine, redis: Redis, settings: EventSettings, *,
                 schemas: Sequence[str] = SERVICE_SCHEMAS) -> None:
        self._engine, self._redis, self._settings, self._schemas = engine, redis, settings, tuple(schemas)
        self._wake = asyncio.Event()
        self._dirty: set[str] = set(self._schemas)  # schemas with commits not drained yet (all at start)
        self._redis_run_id: str | None = None
        self._last_cleanup = 0.0
        self._last_redis_check = -REDIS_CHECK_EVERY
        self.published = 0  # rows published by this relay (a counter for logs and benchmarks)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set; database or Redis outages are waited out, never fatal."""
        listener: asyncpg.Connection | None = None
        backoff = 0.2
        while not stop.is_set():
            try:
                if listener is None or listener.is_closed():
                    listener = await self._listen()
                await self._check_redis()
                self._wake.clear()  # before draining: a commit from now on wakes the next round
                dirty, self._dirty = self._dirty, set()
                published = await self.drain(schemas=[s for s in self._schemas if s in dirty])
                await self._cleanup()
                backoff = 0.2
            except (RedisError, SQLAlchemyError, OSError, asyncpg.PostgresError) as error:
                self._dirty = set(self._schemas)  # start again from a full drain
                log.warning("relay paused for %.1fs: %r", backoff, error)
                await _sleep_unless(stop, backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published:
                self._dirty.update(dirty)  # look again before sleeping
            elif not await self._wait(stop):
                self._dirty = set(self._schemas)  # the fallback poll: look everywhere
        if listener is not None and not listener.is_closed():
            await listener.close()

    async def drain(self, schemas: Sequence[str] | None = None) -> int:
        """Publish everything committed so far (in these schemas); the number of rows published."""
        total = 0
        for schema in self._schemas if schemas is None else schemas:
            while (count := await self.drain_schema(schema)) > 0:
                total += count
                if count < self._settings.relay_batch:
                    break
        return total

    async def drain_schema(self, schema: str) -> int:
        async with self._engine.begin() as conn:
            leased = await conn.scalar(text("SELECT pg_try_advisory_xact_lock(hashtext(:key))"),
                                       {"key": f"outbox-relay:{schema}"})
            if not leased:
                return 0  # another relay is publishing this schema right now
            rows = (await conn.execute(text(
                f"SELECT id, topic, envelope::text FROM {schema}.outbox WHERE published_at IS NULL "
                "ORDER BY id LIMIT :batch"), {"batch": self._settings.relay_batch})).all()
            if not rows:
                return 0
            async with self._redis.pipeline(transaction=False) as pipe:
                for _, topic, envelope in rows:
                    pipe.xadd(f"events:{topic}", {"envelope": envelope}, maxlen=self._settings.stream_maxlen,
                              approximate=True)
                await pipe.execute()
            if self._settings.relay_mark_delay:  # fault injection for the crash tests only
                await asyncio.sleep(self._settings.relay_mark_delay.total_seconds())
            await conn.execute(text(f"UPDATE {schema}.outbox SET published_at = now() WHERE id = ANY(:ids)"),
                               {"ids": [row[0] for row in rows]})
        self.published += len(rows)
        return len(rows)

    async def _listen(self) -> asyncpg.Connection:
        connection = await asyncpg.connect(listen_dsn(self._engine))
        await connection.add_listener(NOTIFY_CHANNEL, self._on_notify)
        return connection

    def _on_notify(self, _connection: Any, _pid: int, _channel: str, schema: str) -> None:
        self._dirty.add(schema)
        self._wake.set()

    async def _wait(self, stop: asyncio.Event) -> bool:
        """Wait for a commit's NOTIFY (True) or the poll interval (False)."""
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waiters, timeout=self._settings.relay_poll_interval.total_seconds(),
                           return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiters:
            waiter.cancel()
        return self._wake.is_set()

    async def _check_redis(self) -> None:
        """A restarted Redis may have lost acknowledged writes: publish the recent rows again. Asked at most
        once a second (not every round of a busy relay); the republish window covers the gap."""
        now = time.monotonic()
        if now - self._last_redis_check < REDIS_CHECK_EVERY:
            return
        self._last_redis_check = now
        run_id = (await self._redis.info("server"))["run_id"]
        if self._redis_run_id is not None and run_id != self._redis_run_id:
            window = self._settings.republish_window.total_seconds()
            async with self._engine.begin() as conn:
                for schema in self._schemas:
                    result = await conn.execute(text(
                        f"UPDATE {schema}.outbox SET published_at = NULL "
                        "WHERE published_at > now() - make_interval(secs => :window)"), {"window": window})
                    if result.rowcount:
                        log.warning("Redis restarted: publishing %d %s events again", result.rowcount, schema)
            self._dirty = set(self._schemas)
        self._redis_run_id = run_id

    async def _cleanup(self) -> None:
        now = time.monotonic()
        if now - self._last_cleanup < CLEANUP_EVERY:
            return
        self._last_cleanup = now
        keep = self._settings.outbox_retention.total_seconds()
        async with self._engine.begin() as conn:
            for schema in self._schemas:
                await conn.execute(text(f"DELETE FROM {schema}.outbox "
                                        "WHERE published_at < now() - make_interval(secs => :keep)"), {"keep": keep})
                await conn.execute(text(f"DELETE FROM {schema}.processed_event "
                                        "WHERE processed_at < now() - make_interval(secs => :keep)"), {"keep": keep})


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
