"""A booking saga as an operator sees it in the Temporal UI, read back through the SDK: the one-line summary and
details it was started with, its CinemaId and PaymentMethod search attributes, the current details it keeps up
to date (the UI's metadata query) and the summaries of its hold timer and payment step in the event history."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client, WorkflowHandle

from domain.bookings.models import BookingStatus
from domain.cinemas.models import Cinema
from domain.movies.models import Movie
from domain.shared.time import LOCAL_TZ
from infra.db import SessionMaker
from infra.settings import Settings
from tests.api.test_booking_flow import checkout, customer_acts_on_gateway_page, wait_for_booking
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, refund_of, seat_ids
from tests.eventually import eventually
from workflows.search_attributes import CINEMA_ID, PAYMENT_METHOD

pytestmark = pytest.mark.usefixtures("worker")


async def current_details(handle: WorkflowHandle[Any, Any]) -> str:
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    return str(metadata.current_details)


def summaries(history: Any, event_type: int) -> list[str]:
    return [json.loads(e.user_metadata.summary.data) for e in history.events
            if e.event_type == event_type and e.user_metadata.HasField("summary")]


async def test_a_booking_saga_reads_like_the_business(client: httpx.AsyncClient, temporal: Client,
                                                      sessionmaker: SessionMaker, make_user: Any,
                                                      settings: Settings) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    async with sessionmaker() as session:
        movie, cinema = await session.get(Movie, showtime.movie_id), await session.get(Cinema, showtime.cinema_id)
    assert movie is not None and cinema is not None
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "C2", "C1"))).json()
    handle = temporal.get_workflow_handle(f"booking-{hold['bookingId']}")

    described = await handle.describe()
    price = f"{hold['totalAmount']:,}".replace(",", ".")
    starts = showtime.start_time.astimezone(LOCAL_TZ).strftime("%d/%m %H:%M")
    assert await described.static_summary() == f"2 ghế C1, C2 · {movie.title} · {cinema.name} · {starts} · {price} ₫"
    details = await described.static_details() or ""
    assert f"BookingId `{hold['bookingId']}`" in details and f"UserId `{customer.id}`" in details
    assert described.typed_search_attributes.get(CINEMA_ID) == str(cinema.id)
    assert described.typed_search_attributes.get(PAYMENT_METHOD) is None  # not chosen yet
    assert (await current_details(handle)).startswith("**SEATS_LOCKED**")

    await checkout(client, customer, hold["bookingId"], "VNPay")
    paying = await eventually(handle.describe, lambda d: d.typed_search_attributes.get(PAYMENT_METHOD) == "VNPay")
    assert paying.typed_search_attributes.get(PAYMENT_METHOD) == "VNPay"
    now_details = await current_details(handle)
    assert now_details.startswith("**BOOKING_CREATED** · step `process_payment` SUCCESS · hold ends "), now_details

    history = await handle.fetch_history()
    hold_for = settings.seat_hold_seconds  # 15 min in production: "seat hold 15 min"; the tests hold shorter
    assert summaries(history, EventType.EVENT_TYPE_TIMER_STARTED) == [
        f"seat hold {hold_for // 60} min" if hold_for >= 60 else f"seat hold {hold_for} s"]
    assert summaries(history, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) == [f"charge {price} ₫ by VNPay"]


async def test_a_cancellation_and_its_refund_say_what_they_do(client: httpx.AsyncClient, temporal: Client,
                                                              sessionmaker: SessionMaker, make_user: Any) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "B3", "B4"))).json()
    order = await checkout(client, customer, hold["bookingId"], "VNPay")
    await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    cancelled = await client.put(f"/api/bookings/{hold['bookingId']}/cancel", json={"reason": "đổi lịch"},
                                 headers=customer.headers)
    assert cancelled.status_code == 200, cancelled.text

    cancellation = await temporal.get_workflow_handle(f"cancellation-{hold['bookingId']}").describe()
    assert await cancellation.static_summary() == f"Huỷ vé · booking {hold['bookingId'][:8]} · đổi lịch"
    refund = await (await refund_of(temporal, uuid.UUID(hold["bookingId"]))).describe()
    price = f"{cancelled.json()['refundAmount']:,}".replace(",", ".")
    assert (await refund.static_summary() or "").startswith(f"Hoàn tiền {price} ₫ · cancelled: ")
