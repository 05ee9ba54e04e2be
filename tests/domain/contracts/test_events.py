"""The event contract: every topic has a writer and a payload, and envelopes read back as written."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from domain.auth.tokens import hash_secret, mailed_secret
from domain.contracts.events import TOPICS, BookingCreated, EventEnvelope, Topic, owner, payload_type
from domain.shared.outbox import SERVICE_SCHEMAS, EventContext


def test_every_topic_names_its_writer_service_and_payload() -> None:
    assert set(TOPICS) == set(Topic)
    assert {owner(topic) for topic in Topic} <= set(SERVICE_SCHEMAS)
    assert Topic.BOOKING_CREATED.stream == "events:booking.created"


def test_an_envelope_is_camel_case_json_and_reads_back_its_payload() -> None:
    data = BookingCreated(booking_id=uuid.uuid4(), user_id=uuid.uuid4(), showtime_id=uuid.uuid4(),
                          seat_ids=[uuid.uuid4()], total_amount=180_000, discount=20_000, final_amount=160_000,
                          payment_method="VNPay", expires_at=datetime(2026, 12, 24, 12, tzinfo=UTC))
    envelope = EventEnvelope(event_id=uuid.uuid4(), event_type=Topic.BOOKING_CREATED, timestamp=datetime.now(UTC),
                             aggregate_id=str(data.booking_id), data=data.model_dump(mode="json", by_alias=True))
    wire = envelope.model_dump_json(by_alias=True)
    assert '"eventType":"booking.created"' in wire and '"finalAmount":160000' in wire and '"version":"1.0"' in wire
    again = EventEnvelope.model_validate_json(wire)
    assert again.payload() == data and isinstance(again.payload(), payload_type(Topic.BOOKING_CREATED))


def test_a_retried_activity_derives_the_same_event_ids() -> None:
    first, retry = EventContext(idempotency_key="booking-1/run/7"), EventContext(idempotency_key="booking-1/run/7")
    ids = [first.next_key(Topic.BOOKING_CREATED, "b"), first.next_key(Topic.SAGA_STEP_COMPLETED, "b")]
    assert ids == [retry.next_key(Topic.BOOKING_CREATED, "b"), retry.next_key(Topic.SAGA_STEP_COMPLETED, "b")]
    assert len(set(ids)) == 2
    assert EventContext().next_key(Topic.BOOKING_CREATED, "b") is None  # outside an activity: fresh ids


def test_a_mailed_link_secret_is_derived_from_its_event_and_key_only() -> None:
    event_id = uuid.uuid4()
    secret = mailed_secret("key-1", event_id)
    assert secret == mailed_secret("key-1", event_id) and len(secret) >= 43
    assert secret != mailed_secret("key-2", event_id) and secret != mailed_secret("key-1", uuid.uuid4())
    assert hash_secret(secret) != secret
