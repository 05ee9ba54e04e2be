"""The transactional outbox: a service writes its events in the same transaction as the change they describe.

Every service schema has an `outbox` table (what it published) and a `processed_event` table (what its
consumers applied, so each event is applied once). The relay (infra/events/relay.py) publishes committed
outbox rows to Redis Streams in `id` order and marks them; a trigger NOTIFYs the `outbox` channel with the
schema's name, which PostgreSQL delivers when the writing transaction commits, and that wakes the relay.

`emit` takes the correlation and causation ids from the `event_context` of the current task: the API sets
the request id, a Temporal activity its workflow, a consumer the event it is handling.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace

from pydantic import BaseModel
from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import EventEnvelope, EventMetadata, Topic, owner
from domain.shared.models import metadata
from domain.shared.time import utcnow

# Every service schema (BRIEF §4) has its own outbox and processed-events table.
SERVICE_SCHEMAS = ("auth", "users", "movies", "cinemas", "showtimes", "bookings", "payments", "fnb", "promotions",
                   "notifications", "analytics")
NOTIFY_CHANNEL = "outbox"
# Names the deterministic event ids of a retried activity (uuid5 of the attempt-independent key).
_EVENT_NAMESPACE = uuid.UUID("6f1c9a52-3a57-4c1e-9d0a-5b7c0e2f8a11")


def _outbox(schema: str) -> Table:
    return Table(
        "outbox", metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=True),
        Column("event_id", Uuid(), nullable=False, unique=True),
        Column("topic", String(64), nullable=False),
        Column("aggregate_id", String(64), nullable=False),
        Column("envelope", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Index(f"ix_{schema}_outbox_unpublished", "id", postgresql_where="published_at IS NULL"),
        Index(f"ix_{schema}_outbox_published_at", "published_at"),
        schema=schema,
    )


def _processed(schema: str) -> Table:
    return Table(
        "processed_event", metadata,
        Column("consumer", String(64), primary_key=True),
        Column("event_id", Uuid(), primary_key=True),
        Column("processed_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
        schema=schema,
    )


OUTBOX: dict[str, Table] = {schema: _outbox(schema) for schema in SERVICE_SCHEMAS}
PROCESSED: dict[str, Table] = {schema: _processed(schema) for schema in SERVICE_SCHEMAS}
# Built once: emit() only binds the values (an event is on the hot path of every saga step).
_INSERT = {schema: insert(table).on_conflict_do_nothing(index_elements=["event_id"])
           for schema, table in OUTBOX.items()}


@dataclass(frozen=True)
class EventContext:
    correlation_id: str | None = None
    causation_id: str | None = None
    # Set inside an activity: event ids derive from it, so a retried attempt writes the same ids.
    idempotency_key: str | None = None
    _counter: list[int] = field(default_factory=lambda: [0], compare=False)

    def next_key(self, topic: Topic, aggregate_id: str) -> uuid.UUID | None:
        if self.idempotency_key is None:
            return None
        self._counter[0] += 1
        return uuid.uuid5(_EVENT_NAMESPACE, f"{self.idempotency_key}/{topic}/{aggregate_id}/{self._counter[0]}")


event_context: ContextVar[EventContext | None] = ContextVar("event_context", default=None)


def current_context() -> EventContext:
    return event_context.get() or EventContext()


@contextmanager
def events_caused_by(**changes: str | None) -> Iterator[EventContext]:
    """Run a block with these correlation/causation ids (and idempotency key) for the events it emits."""
    context = replace(current_context(), _counter=[0], **changes)
    token = event_context.set(context)
    try:
        yield context
    finally:
        event_context.reset(token)


async def emit(session: AsyncSession, topic: Topic, data: BaseModel, *, aggregate_id: uuid.UUID | str,
               service: str | None = None, correlation_id: str | None = None,
               event_id: uuid.UUID | None = None) -> EventEnvelope:
    """Write one event to the service's outbox in the session's transaction (published once it commits).

    `service` is the writer's schema (default: the topic's owner); an event id seen before is not written
    again, so a retried step emits nothing twice."""
    context = current_context()
    aggregate = str(aggregate_id)
    envelope = EventEnvelope(
        event_id=event_id or context.next_key(topic, aggregate) or uuid.uuid4(), event_type=topic,
        timestamp=utcnow(), aggregate_id=aggregate, data=data.model_dump(mode="json", by_alias=True),
        metadata=EventMetadata(correlation_id=correlation_id or context.correlation_id or aggregate,
                               causation_id=context.causation_id))
    await session.exec(_INSERT[service or owner(topic)], params={
        "event_id": envelope.event_id, "topic": topic.value, "aggregate_id": aggregate,
        "envelope": envelope.model_dump(mode="json", by_alias=True)})
    return envelope
