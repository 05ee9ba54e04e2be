"""How far behind the event pipeline is, read from PostgreSQL and Redis (`cinema events`, `/health`).

- Relay lag: per service schema, the outbox rows not yet published and the age of the oldest one.
- Group lag: per consumer group and stream, the events delivered but not acknowledged (pending, and the
  age of the oldest from its stream id) and the events not yet delivered (ids after the group's
  last-delivered-id, counted up to a cap). Redis 6.2's XINFO GROUPS has no `lag` field, so we count.
- Dead letters: the events a handler failed on `max_failures` times (infra/events/consumer.py), and
  `replay_dead`, which sends one back to its stream.

Ages come from each server's own clock (PostgreSQL `now()`, Redis `TIME`), never this machine's.
Everything here only reads, except `replay_dead`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.exceptions import ResponseError, WatchError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.contracts.events import DEAD_LETTER_STREAM
from domain.shared.outbox import SERVICE_SCHEMAS

STREAM_PATTERN = "events:*"
UNDELIVERED_CAP = 1000


@dataclass(frozen=True)
class RelayLag:
    schema: str
    unpublished: int
    oldest_age: float | None  # seconds since the oldest unpublished row was written; None when none


@dataclass(frozen=True)
class GroupLag:
    group: str
    stream: str
    consumers: int
    pending: int  # delivered, not acknowledged yet
    oldest_pending_age: float | None  # seconds since the oldest pending event reached the stream
    undelivered: int  # after the last-delivered-id; at most `cap`
    undelivered_capped: bool  # True: there are at least `undelivered` (the count stopped at the cap)
    last_delivered_id: str


@dataclass(frozen=True)
class DeadLetter:
    id: str  # its id in events:dead, for `replay_dead`
    stream: str
    group: str
    message_id: str  # its id on the original stream
    event_type: str | None  # None: the envelope could not be read
    event_id: str | None
    error: str
    failed_at: str


@dataclass(frozen=True)
class Replayed:
    stream: str
    message_id: str  # the replayed event's new id on its stream


class DeadLetterNotFound(LookupError):
    def __init__(self, dead_id: str, reason: str = "no such entry") -> None:
        super().__init__(f"No dead letter {dead_id!r} in {DEAD_LETTER_STREAM} ({reason}); "
                         "`cinema events dead` lists them")
        self.dead_id = dead_id


# Relay ------------------------------------------------------------------------------------------------
async def relay_lag(conn: AsyncConnection, schemas: Sequence[str] = SERVICE_SCHEMAS) -> list[RelayLag]:
    """Unpublished outbox rows and the oldest one's age, per schema (one query)."""
    unknown = set(schemas) - set(SERVICE_SCHEMAS)
    if unknown:  # schema names are spliced into the SQL: only our own
        raise ValueError(f"not a service schema: {sorted(unknown)}")
    sql = " UNION ALL ".join(
        f"SELECT '{schema}' AS schema, count(*) AS unpublished, "
        f"extract(epoch FROM now() - min(created_at))::float8 AS oldest_age "
        f"FROM {schema}.outbox WHERE published_at IS NULL" for schema in schemas)
    rows = (await conn.execute(text(sql))).all()
    return [RelayLag(schema=row[0], unpublished=int(row[1]), oldest_age=_not_negative(row[2])) for row in rows]


# Consumer groups ----------------------------------------------------------------------------------------
async def event_streams(redis: Redis) -> list[str]:
    """Every `events:*` stream except the dead letters."""
    found = {key async for key in redis.scan_iter(match=STREAM_PATTERN, _type="stream", count=500)}
    found.discard(DEAD_LETTER_STREAM)
    return sorted(found)


async def group_lag(redis: Redis, streams: Sequence[str] | None = None, *,
                    cap: int = UNDELIVERED_CAP) -> list[GroupLag]:
    """Pending and undelivered events of every consumer group on these streams (default: all)."""
    now_ms = await _redis_now_ms(redis)
    lags: list[GroupLag] = []
    for stream in await event_streams(redis) if streams is None else streams:
        try:
            groups = await redis.xinfo_groups(stream)
            last_generated = (await redis.xinfo_stream(stream))["last-generated-id"] if groups else "0-0"
        except ResponseError as error:
            if "no such key" in str(error).lower():
                continue  # trimmed away or never created
            raise
        for info in groups:
            lags.append(await _one_group(redis, stream, info, last_generated, now_ms, cap))
    return sorted(lags, key=lambda lag: (lag.group, lag.stream))


async def _one_group(redis: Redis, stream: str, info: dict[str, object], last_generated: str, now_ms: int,
                     cap: int) -> GroupLag:
    group, last_delivered = str(info["name"]), str(info["last-delivered-id"])
    pending = int(str(info["pending"]))
    oldest: float | None = None
    if pending:
        summary = await redis.xpending(stream, group)
        if summary["min"]:
            oldest = _not_negative((now_ms - _id_ms(summary["min"])) / 1000)
    undelivered = 0
    if _id_key(last_delivered) < _id_key(last_generated):
        undelivered = len(await redis.xrange(stream, min=f"({last_delivered}", max="+", count=cap))
    return GroupLag(group=group, stream=stream, consumers=int(str(info["consumers"])), pending=pending,
                    oldest_pending_age=oldest, undelivered=undelivered, undelivered_capped=undelivered >= cap,
                    last_delivered_id=last_delivered)


# Dead letters -------------------------------------------------------------------------------------------
async def dead_letter_count(redis: Redis) -> int:
    return int(await redis.xlen(DEAD_LETTER_STREAM))


async def dead_letters(redis: Redis, limit: int = 20) -> list[DeadLetter]:
    """The newest `limit` dead letters, newest first."""
    entries = await redis.xrevrange(DEAD_LETTER_STREAM, max="+", min="-", count=limit)
    return [_dead_letter(entry_id, fields) for entry_id, fields in entries]


async def replay_dead(redis: Redis, dead_id: str, *, maxlen: int | None = None) -> Replayed:
    """Send a dead letter's event back to its stream and remove it from events:dead, atomically.

    Every group on that stream receives it again; those that applied it before skip it by its event id."""
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(DEAD_LETTER_STREAM)  # a concurrent replay of the same id aborts one of them
                try:
                    entries = await pipe.xrange(DEAD_LETTER_STREAM, min=dead_id, max=dead_id)
                except ResponseError as error:
                    raise DeadLetterNotFound(dead_id, "not a stream id") from error
                if not entries:
                    raise DeadLetterNotFound(dead_id)
                fields = entries[0][1]
                if "stream" not in fields or "envelope" not in fields:
                    raise DeadLetterNotFound(dead_id, "not a dead-letter record: no stream or envelope")
                pipe.multi()
                pipe.xadd(fields["stream"], {"envelope": fields["envelope"]}, maxlen=maxlen,
                          approximate=maxlen is not None)
                pipe.xdel(DEAD_LETTER_STREAM, dead_id)
                new_id, _ = await pipe.execute()
                return Replayed(stream=fields["stream"], message_id=new_id)
            except WatchError:
                continue  # events:dead changed between the read and the move: read it again


def _dead_letter(entry_id: str, fields: dict[str, str]) -> DeadLetter:
    event_type = event_id = None
    try:
        envelope = json.loads(fields.get("envelope", ""))
        event_type, event_id = envelope.get("eventType"), envelope.get("eventId")
    except (ValueError, AttributeError):
        pass
    return DeadLetter(id=entry_id, stream=fields.get("stream", "?"), group=fields.get("group", "?"),
                      message_id=fields.get("messageId", "?"), event_type=event_type, event_id=event_id,
                      error=fields.get("error", ""), failed_at=fields.get("failedAt", ""))


# Helpers ------------------------------------------------------------------------------------------------
async def _redis_now_ms(redis: Redis) -> int:
    seconds, micros = await redis.time()
    return int(seconds) * 1000 + int(micros) // 1000


def _id_ms(stream_id: str) -> int:
    return int(stream_id.split("-", 1)[0])


def _id_key(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def _not_negative(seconds: float | None) -> float | None:
    return None if seconds is None else max(0.0, float(seconds))
