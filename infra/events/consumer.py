"""Consumer groups on the event streams: each event applied once, acknowledged only after it committed.

A `Subscription` names its group, the service schema it writes in, its topics and its handler. For each
event the consumer opens one transaction in that schema, records the event id in `processed_event` (an
id seen before is skipped: redelivery is harmless), runs the handler, commits, and only then XACKs.

- A consumer that died leaves its events pending; after `claim_idle` another one (or itself, restarted)
  takes them over with XAUTOCLAIM.
- A handler that raises `RetryLater` (or hits a connection error) is retried after `claim_idle`, without
  limit: Temporal or a provider being down must not lose the event.
- Any other failure counts; after `max_failures` the event moves to `events:dead` with its error
  (`cinema events dead --replay ID` sends it back).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import DEAD_LETTER_STREAM, EventEnvelope, Topic
from domain.shared.outbox import PROCESSED, events_caused_by
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work
from infra.settings import EventSettings

log = logging.getLogger("cinema.events.consumer")

Handler = Callable[[AsyncSession, EventEnvelope], Awaitable[None]]


class RetryLater(Exception):
    """The handler could not finish for a reason outside the event (a server is down): try again later."""


TRANSIENT: tuple[type[BaseException], ...] = (RetryLater, OSError, TimeoutError, RedisError, OperationalError)


@dataclass(frozen=True)
class Subscription:
    group: str  # the consumer group, e.g. "bookings.showtime-refunds"
    schema: str  # the consuming service's schema (its processed_event table)
    topics: tuple[Topic, ...]
    handle: Handler


def failures_key(group: str) -> str:
    return f"events:failures:{group}"


def consumer_name() -> str:
    return f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"


class EventConsumer:
    def __init__(self, sessionmaker: SessionMaker, redis: Redis, subscription: Subscription,
                 settings: EventSettings, *, name: str | None = None) -> None:
        self._sessionmaker, self._redis, self._sub, self._settings = sessionmaker, redis, subscription, settings
        self.name = name or consumer_name()
        self._streams = {topic.stream: topic for topic in subscription.topics}
        self._last_claim = 0.0
        self.applied = 0  # events this consumer applied (not skipped as already processed)

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 0.2
        while not stop.is_set():
            try:
                await self.ensure_groups()
                while not stop.is_set():
                    await self.poll()
                    backoff = 0.2
            except (RedisError, OSError) as error:
                log.warning("%s paused for %.1fs: %r", self._sub.group, backoff, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def ensure_groups(self) -> None:
        """Create the group on every stream, reading from the stream's start (nothing published is missed)."""
        for stream in self._streams:
            try:
                await self._redis.xgroup_create(stream, self._sub.group, id="0", mkstream=True)
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def poll(self) -> int:
        """One round: take over stale pending events, then read new ones (blocking briefly)."""
        handled = 0
        if time.monotonic() - self._last_claim >= self._settings.claim_idle.total_seconds() / 2:
            self._last_claim = time.monotonic()
            handled += await self._claim_stale()
        try:
            replies = await self._redis.xreadgroup(
                self._sub.group, self.name, dict.fromkeys(self._streams, ">"),
                count=self._settings.consumer_batch, block=self._settings.consumer_block_ms)
        except ResponseError as error:
            if "NOGROUP" in str(error):  # Redis lost the group (a restart without its data): make it again
                await self.ensure_groups()
                return handled
            raise
        for stream, messages in replies or []:
            for message_id, fields in messages:
                await self._handle(stream, message_id, fields)
                handled += 1
        return handled

    async def _claim_stale(self) -> int:
        idle_ms = int(self._settings.claim_idle.total_seconds() * 1000)
        handled = 0
        for stream in self._streams:
            try:
                reply = await self._redis.xautoclaim(stream, self._sub.group, self.name, min_idle_time=idle_ms,
                                                     start_id="0-0", count=self._settings.consumer_batch)
            except ResponseError as error:
                if "NOGROUP" in str(error):
                    continue
                raise
            for message_id, fields in reply[1]:
                if fields:  # None: trimmed from the stream meanwhile
                    await self._handle(stream, message_id, fields)
                    handled += 1
        return handled

    async def _handle(self, stream: str, message_id: str, fields: dict[str, str]) -> None:
        try:
            envelope = EventEnvelope.model_validate_json(fields["envelope"])
        except (KeyError, ValidationError) as error:
            await self._dead(stream, message_id, fields, f"unreadable event: {error!r}")
            return
        try:
            with events_caused_by(correlation_id=envelope.metadata.correlation_id,
                                  causation_id=str(envelope.event_id), idempotency_key=None):
                await self._apply(envelope)
        except TRANSIENT as error:
            log.warning("%s: %s %s will be retried: %r", self._sub.group, envelope.event_type,
                        envelope.event_id, error)
            return
        except DBAPIError as error:
            if error.connection_invalidated:
                return
            await self._failed(stream, message_id, fields, error)
            return
        except Exception as error:  # noqa: BLE001 - a failing handler must not stop the others
            await self._failed(stream, message_id, fields, error)
            return
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip per event
            pipe.xack(stream, self._sub.group, message_id)
            pipe.hdel(failures_key(self._sub.group), message_id, f"{message_id}:error")  # a failure it got over
            await pipe.execute()

    async def _apply(self, envelope: EventEnvelope) -> None:
        processed = PROCESSED[self._sub.schema]
        async with unit_of_work(self._sessionmaker) as session:
            fresh = await session.exec(insert(processed).values(
                consumer=self._sub.group, event_id=envelope.event_id).on_conflict_do_nothing().returning(
                processed.c.event_id))
            if fresh.first() is None:
                return  # applied before (a redelivery): nothing to do but acknowledge
            await self._sub.handle(session, envelope)
        self.applied += 1

    async def _failed(self, stream: str, message_id: str, fields: dict[str, str], error: Exception) -> None:
        log.exception("%s failed on %s %s", self._sub.group, stream, message_id, exc_info=error)
        key = failures_key(self._sub.group)
        count = await self._redis.hincrby(key, message_id, 1)
        await self._redis.hset(key, f"{message_id}:error", repr(error)[:2000])
        if count >= self._settings.max_failures:
            await self._dead(stream, message_id, fields, repr(error)[:2000])

    async def _dead(self, stream: str, message_id: str, fields: dict[str, str], error: str) -> None:
        """Park the event in the dead-letter stream with why it failed, and stop redelivering it."""
        record: dict[Any, Any] = {"stream": stream, "group": self._sub.group, "messageId": message_id,
                                  "error": error, "failedAt": utcnow().isoformat(),
                                  "envelope": fields.get("envelope", json.dumps(fields))}
        await self._redis.xadd(DEAD_LETTER_STREAM, record, maxlen=self._settings.stream_maxlen, approximate=True)
        await self._redis.xack(stream, self._sub.group, message_id)
        await self._redis.hdel(failures_key(self._sub.group), message_id, f"{message_id}:error")
        log.error("%s: %s moved to %s: %s", self._sub.group, message_id, DEAD_LETTER_STREAM, error)
