"""The request id follows a request into its saga: the API echoes X-Request-ID, the workflow start carries the
lock-seats request's id, and the activities a checkout starts carry the checkout request's id (their log lines
then show it as `requestId`), as recorded in the saga's history on the real Temporal server."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from infra.db import SessionMaker
from infra.request_ids import HEADER
from tests.bookings_support import make_showtime, seat_ids

pytestmark = pytest.mark.usefixtures("worker")


def header_of(attributes: Any) -> str | None:
    payload = attributes.header.fields.get(HEADER)
    return json.loads(payload.data) if payload is not None else None


async def test_a_sagas_start_and_its_checkout_steps_carry_their_request_ids(
        client: httpx.AsyncClient, temporal: Client, sessionmaker: SessionMaker, make_user: Any) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold_id, checkout_id = f"hold-{uuid.uuid4().hex[:8]}", f"checkout-{uuid.uuid4().hex[:8]}"
    held = await client.post("/api/bookings/lock-seats", headers={**customer.headers, "X-Request-ID": hold_id},
                             json={"showtimeId": str(showtime.id),
                                   "seatIds": await seat_ids(sessionmaker, showtime.id, "C3", "C4")})
    assert held.status_code == 201 and held.headers["x-request-id"] == hold_id, held.text
    booking_id = held.json()["bookingId"]
    order = await client.post("/api/bookings", headers={**customer.headers, "X-Request-ID": checkout_id},
                              json={"bookingId": booking_id, "paymentMethod": "VNPay"})
    assert order.status_code == 201, order.text

    history = await temporal.get_workflow_handle(f"booking-{booking_id}").fetch_history()
    started = next(e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
    assert header_of(started.workflow_execution_started_event_attributes) == hold_id
    scheduled = {e.activity_task_scheduled_event_attributes.activity_type.name:
                 header_of(e.activity_task_scheduled_event_attributes)
                 for e in history.events if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED}
    assert scheduled["start_payment"] == checkout_id, scheduled
