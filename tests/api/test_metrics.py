"""Prometheus metrics, scraped over HTTP: a booking made through the API shows up in the API's request counters
(by route template, never the raw path) and in the worker's — the Temporal SDK's own metrics and the sagas'
outcome counter; with a metrics token set, a scrape without it is refused."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from domain.bookings.models import BookingStatus
from infra.db import SessionMaker
from infra.settings import Settings
from tests.api.test_booking_flow import checkout, customer_acts_on_gateway_page, wait_for_booking
from tests.api.test_bookings import lock
from tests.bookings_support import make_showtime, seat_ids
from tests.conftest import in_process_api
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("worker")


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one series of `name` with these labels (0 when there is none yet)."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


async def scrape(url: str) -> str:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain"), response.text
    return response.text


async def test_a_booking_is_counted_by_the_api_and_by_the_worker(client: httpx.AsyncClient, api_url: str,
                                                                 worker_metrics_url: str, make_user: Any,
                                                                 sessionmaker: SessionMaker) -> None:
    showtime, customer = await make_showtime(sessionmaker), await make_user()
    api_before, worker_before = await scrape(f"{api_url}/metrics"), await scrape(worker_metrics_url)

    hold = (await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, "C5", "C6"))).json()
    order = await checkout(client, customer, hold["bookingId"], "VNPay")
    await customer_acts_on_gateway_page(order["paymentUrl"], "pay")
    await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
    await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)
    await client.get(f"/no/such/page/{uuid.uuid4()}")

    api = await scrape(f"{api_url}/metrics")
    for method, route, status in (("POST", "/api/bookings/lock-seats", "201"), ("POST", "/api/bookings", "201"),
                                  ("GET", "/api/bookings/{id}", "200"), ("GET", "(unmatched)", "404")):
        labels = {"method": method, "route": route, "status": status}
        assert sample(api, "cinema_http_requests_total", **labels) == sample(
            api_before, "cinema_http_requests_total", **labels) + 1, labels
    assert sample(api, "cinema_http_request_duration_seconds_count", method="POST",
                  route="/api/bookings/lock-seats") >= 1
    assert "/no/such/page" not in api  # raw paths never become labels

    def confirmed(text: str) -> float:
        return sample(text, "cinema_bookings_total", outcome="CONFIRMED")

    worker = await eventually(lambda: scrape(worker_metrics_url),
                              lambda text: confirmed(text) > confirmed(worker_before))
    assert confirmed(worker) == confirmed(worker_before) + 1
    assert sample(worker, "temporal_workflow_completed_total", workflow_type="BookingWorkflow") >= 1  # the SDK's own


async def test_a_held_seat_map_is_counted_under_its_route(client: httpx.AsyncClient, api_url: str,
                                                          sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    path = f"/api/showtimes/{showtime.id}/available-seats"
    labels = {"method": "GET", "route": "/api/showtimes/{id}/available-seats", "status": "200"}
    before = sample(await scrape(f"{api_url}/metrics"), "cinema_http_requests_total", **labels)
    for _ in range(3):  # the first builds the map, the others are served from the cache before routing
        assert (await client.get(path)).status_code == 200
    after = sample(await scrape(f"{api_url}/metrics"), "cinema_http_requests_total", **labels)
    assert after == before + 3


async def test_with_a_token_set_a_scrape_must_send_it(settings: Settings) -> None:
    token = "metrics-" + uuid.uuid4().hex
    async with in_process_api(settings.model_copy(update={"metrics_token": SecretStr(token)})) as api:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = await api.get("/metrics", headers=headers)
            assert refused.status_code == 401, refused.text
            assert refused.json()["error"]["code"] == "METRICS_TOKEN_REQUIRED"
        allowed = await api.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert allowed.status_code == 200 and "cinema_http_requests_total" in allowed.text
