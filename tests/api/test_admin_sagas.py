"""The operators' saga routes over HTTP: a Manager finds sagas through Temporal visibility (by type, state,
cinema, booking, age; paged) with a link to each one's Temporal UI page, and retries the one compensation that
waits for a person — an escalated refund. Customers and Staff are refused; bad filters are 422 and run nothing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from domain.bookings import payment_port as pay
from domain.bookings.refunds import RefundInput
from domain.contracts.queues import TaskQueue
from domain.shared.roles import Role
from infra.db import SessionMaker
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, seat_ids
from tests.eventually import eventually
from tests.workflows.test_booking_saga import GatewayDouble, gateway  # noqa: F401 - the fixture
from workflows.refund import RefundWorkflow
from workflows.search_attributes import refund_attributes

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def manager(make_user: Any) -> Any:
    return await make_user(Role.MANAGER)


async def sagas(client: httpx.AsyncClient, who: Any, **params: Any) -> httpx.Response:
    return await client.get("/api/admin/sagas", headers=who.headers, params=params)


async def test_a_manager_finds_an_escalated_refund_and_retries_it(
        client: httpx.AsyncClient, temporal: Client, manager: Any,
        gateway: tuple[GatewayDouble, str]) -> None:  # noqa: F811
    fake, queue = gateway
    fake.refund_answers = [pay.SettlementStatus.FAILED]  # the gateway refuses once: a Manager must look
    booking_id, refund_id = uuid.uuid4(), uuid.uuid4()
    handle = await temporal.start_workflow(
        RefundWorkflow.run, RefundInput(refund_id=refund_id, booking_id=booking_id, amount=90_000, reason="test",
                                        payment_queue=queue, poll_seconds=1, max_polls=3),
        id=f"refund-{refund_id}", task_queue=TaskQueue.BOOKINGS, search_attributes=refund_attributes(booking_id))

    found = await eventually(lambda: sagas(client, manager, type="refund", state="REFUND_ESCALATED",
                                           bookingId=str(booking_id)),
                             lambda r: r.status_code == 200 and len(r.json()["items"]) == 1)
    row = found.json()["items"][0]
    assert (row["workflowId"], row["type"], row["status"], row["sagaState"], row["bookingId"]) == (
        f"refund-{refund_id}", "RefundWorkflow", "RUNNING", "REFUND_ESCALATED", str(booking_id))
    assert row["uiUrl"].endswith(f"/namespaces/default/workflows/refund-{refund_id}/{row['runId']}/history")
    assert 'SagaState = "REFUND_ESCALATED"' in found.json()["query"]

    retried = await client.post(f"/api/admin/sagas/refund-{refund_id}/retry-compensation", headers=manager.headers)
    assert retried.status_code == 202, retried.text
    outcome = await asyncio.wait_for(handle.result(), 30)
    assert outcome.status == "Refunded" and fake.refunded[booking_id] == 90_000
    again = await client.post(f"/api/admin/sagas/refund-{refund_id}/retry-compensation", headers=manager.headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "NOTHING_TO_RETRY", again.text


async def test_holds_right_now_by_cinema_in_pages(client: httpx.AsyncClient, manager: Any, make_user: Any,
                                                  sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    holds = []
    for labels in (("A1", "A2"), ("A3", "A4"), ("A5", "A6")):
        held = await lock(client, await make_user(), showtime.id, await seat_ids(sessionmaker, showtime.id, *labels))
        assert held.status_code == 201, held.text
        holds.append(held.json()["bookingId"])
    filters = {"type": "booking", "state": "SEATS_LOCKED", "cinemaId": str(showtime.cinema_id)}

    first = await eventually(lambda: sagas(client, manager, **filters, pageSize=2),
                             lambda r: r.status_code == 200 and r.json()["nextPageToken"] is not None)
    assert len(first.json()["items"]) == 2
    second = await sagas(client, manager, **filters, pageSize=2, pageToken=first.json()["nextPageToken"])
    assert second.status_code == 200 and second.json()["nextPageToken"] is None
    rows = first.json()["items"] + second.json()["items"]
    assert sorted(r["bookingId"] for r in rows) == sorted(holds)
    assert {r["cinemaId"] for r in rows} == {str(showtime.cinema_id)} and {r["status"] for r in rows} == {"RUNNING"}
    old = await sagas(client, manager, **filters, olderThan="PT1H")  # none of them started an hour ago
    assert old.status_code == 200 and old.json()["items"] == []


async def test_customers_and_staff_are_refused(client: httpx.AsyncClient, make_user: Any) -> None:
    for role in (Role.CUSTOMER, Role.STAFF):
        who = await make_user(role)
        listed = await sagas(client, who)
        assert listed.status_code == 403 and listed.json()["error"]["code"] == "FORBIDDEN"
        retried = await client.post(f"/api/admin/sagas/refund-{uuid.uuid4()}/retry-compensation", headers=who.headers)
        assert retried.status_code == 403
    assert (await client.get("/api/admin/sagas")).status_code == 401


@pytest.mark.parametrize("params", [{"type": "payment"}, {"state": "HALF_DONE"}, {"status": "Sleeping"},
                                    {"olderThan": "-PT5M"}, {"olderThan": "soon"}, {"bookingId": "42"},
                                    {"pageSize": 0}, {"pageSize": 500}])
async def test_bad_filters_are_422(client: httpx.AsyncClient, manager: Any, params: dict[str, Any]) -> None:
    response = await sagas(client, manager, **params)
    assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR", response.text


async def test_a_page_token_not_given_out_and_unknown_or_malformed_ids(client: httpx.AsyncClient,
                                                                       manager: Any) -> None:
    bad = await sagas(client, manager, pageToken="not base64!")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "BAD_PAGE_TOKEN", bad.text
    unknown = await client.post(f"/api/admin/sagas/booking-{uuid.uuid4()}/retry-compensation",
                                headers=manager.headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "NOT_FOUND", unknown.text
    malformed = await client.post("/api/admin/sagas/health-check/retry-compensation", headers=manager.headers)
    assert malformed.status_code == 422
