"""The outbox on PostgreSQL: an event commits with its change or not at all, once, and the relay publishes it."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.contracts.events import EventEnvelope, PromotionPublished, Topic
from domain.shared.outbox import OUTBOX, emit, events_caused_by
from infra.db import SessionMaker, unit_of_work
from infra.events.relay import OutboxRelay
from infra.settings import EventSettings
from tests.eventually import eventually

PROMOTIONS = OUTBOX["promotions"]


async def _rows(sessionmaker: SessionMaker, aggregate: str) -> list[dict[str, object]]:
    async with sessionmaker() as session:
        result = await session.exec(select(PROMOTIONS).where(PROMOTIONS.c.aggregate_id == aggregate)
                                       .order_by(PROMOTIONS.c.id))
        return [dict(row._mapping) for row in result]


async def test_an_event_of_a_rolled_back_change_is_never_written(sessionmaker: SessionMaker) -> None:
    aggregate = str(uuid.uuid4())
    try:
        async with unit_of_work(sessionmaker) as session:
            await emit(session, Topic.PROMOTION_PUBLISHED, PromotionPublished(promotion_id=uuid.UUID(aggregate),
                                                                              title="Tết"), aggregate_id=aggregate)
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert await _rows(sessionmaker, aggregate) == []


async def test_a_retried_step_writes_its_event_once_with_its_correlation(sessionmaker: SessionMaker) -> None:
    aggregate = str(uuid.uuid4())
    payload = PromotionPublished(promotion_id=uuid.UUID(aggregate), title="Flash sale")
    for _attempt in range(2):  # the same activity twice, as a Temporal retry would run it
        with events_caused_by(correlation_id="booking-42", causation_id="request:abc", idempotency_key="wf/run/3"):
            async with unit_of_work(sessionmaker) as session:
                await emit(session, Topic.PROMOTION_PUBLISHED, payload, aggregate_id=aggregate)
    rows = await _rows(sessionmaker, aggregate)
    assert len(rows) == 1
    envelope = EventEnvelope.model_validate(rows[0]["envelope"])
    assert (envelope.metadata.correlation_id, envelope.metadata.causation_id) == ("booking-42", "request:abc")
    assert envelope.payload() == payload


async def test_the_relay_publishes_committed_events_in_order_and_marks_them(
        engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis) -> None:
    aggregate = str(uuid.uuid4())
    titles = [f"step {i}" for i in range(5)]
    for title in titles:
        async with unit_of_work(sessionmaker) as session:
            await emit(session, Topic.PROMOTION_PUBLISHED, PromotionPublished(
                promotion_id=uuid.UUID(aggregate), title=title), aggregate_id=aggregate)
    # This relay, or the session worker's if it holds the promotions lease right now, publishes them.
    await OutboxRelay(engine, redis, EventSettings(), schemas=["promotions"]).drain()
    rows = await eventually(lambda: _rows(sessionmaker, aggregate),
                            lambda found: all(row["published_at"] is not None for row in found), timeout=10)
    assert all(row["published_at"] is not None for row in rows)
    entries = await redis.xrevrange(Topic.PROMOTION_PUBLISHED.stream, count=500)
    mine = [EventEnvelope.model_validate_json(fields["envelope"]) for _, fields in reversed(entries)]
    assert [e.data["title"] for e in mine if e.aggregate_id == aggregate] == titles
