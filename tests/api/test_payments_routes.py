"""Payment routes over real HTTP: who may do what, history scoping, bad input (422, nothing changed),
counter payments and their refunds, the public methods list."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from domain.shared.roles import Role
from infra.db import SessionMaker
from tests.payments_support import AMOUNT, act, open_payment, payments_of_booking, read, refunds_of

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def people(make_user: Any) -> dict[Role, Any]:
    return {role: await make_user(role) for role in (Role.CUSTOMER, Role.STAFF, Role.MANAGER)}


async def counter(client: httpx.AsyncClient, staff: Any, customer: Any, *, method: str = "Cash",
                  amount: int = 90_000, booking_id: uuid.UUID | None = None) -> httpx.Response:
    return await client.post("/api/payments/counter", headers=staff.headers, json={
        "bookingId": str(booking_id or uuid.uuid4()), "userId": str(customer.id), "amount": amount,
        "method": method, "reference": "SLIP-0042"})


class TestCounterPayments:
    async def test_staff_record_cash_and_card_successful_at_once_idempotent_on_the_booking(
            self, client: httpx.AsyncClient, people: dict[Role, Any]) -> None:
        staff, customer, booking = people[Role.STAFF], people[Role.CUSTOMER], uuid.uuid4()
        first = await counter(client, staff, customer, booking_id=booking)
        assert first.status_code == 201, first.text
        payment = first.json()
        assert (payment["status"], payment["method"], payment["paidAmount"], payment["transactionId"],
                payment["recordedBy"], payment["userId"]) == ("Success", "Cash", 90_000, "SLIP-0042",
                                                              str(staff.id), str(customer.id))
        again = await counter(client, staff, customer, booking_id=booking)
        assert again.status_code == 200 and again.json()["id"] == payment["id"]
        other = await counter(client, staff, customer, booking_id=booking, method="Card")
        assert other.status_code == 409 and other.json()["error"]["code"] == "PAYMENT_EXISTS"

    async def test_a_counter_refund_is_completed_when_recorded(self, client: httpx.AsyncClient,
                                                               people: dict[Role, Any]) -> None:
        payment = (await counter(client, people[Role.STAFF], people[Role.CUSTOMER], method="Card")).json()
        url = f"/api/payments/{payment['id']}/refund"
        manager = people[Role.MANAGER]
        part = await client.post(url, headers=manager.headers,
                                 json={"amount": 40_000, "reason": "one seat", "refundId": str(uuid.uuid4())})
        assert part.status_code == 201 and part.json()["status"] == "Completed", part.text
        rest = await client.post(url, headers=manager.headers,
                                 json={"reason": "the rest", "refundId": str(uuid.uuid4())})
        assert rest.json()["amount"] == 50_000
        done = await read(client, manager.headers, payment["id"])
        assert (done["status"], done["refundedAmount"], len(done["refunds"])) == ("Refunded", 90_000, 2)

    async def test_customers_cannot_record_counter_payments(self, client: httpx.AsyncClient,
                                                            people: dict[Role, Any]) -> None:
        customer = people[Role.CUSTOMER]
        refused = await counter(client, customer, customer)
        assert refused.status_code == 403


class TestRefundRoles:
    async def test_customers_and_staff_are_refused_managers_may(self, client: httpx.AsyncClient,
                                                                people: dict[Role, Any],
                                                                sessionmaker: SessionMaker) -> None:
        payment = (await counter(client, people[Role.STAFF], people[Role.CUSTOMER])).json()
        body = {"amount": 10_000, "reason": "goodwill", "refundId": str(uuid.uuid4())}
        for role in (Role.CUSTOMER, Role.STAFF):
            refused = await client.post(f"/api/payments/{payment['id']}/refund", headers=people[role].headers,
                                        json=body)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "FORBIDDEN"
        assert await refunds_of(sessionmaker, payment["id"]) == []
        allowed = await client.post(f"/api/payments/{payment['id']}/refund", headers=people[Role.MANAGER].headers,
                                    json=body)
        assert allowed.status_code == 201, allowed.text


class TestHistory:
    async def test_a_customer_sees_only_their_own(self, client: httpx.AsyncClient, people: dict[Role, Any],
                                                  make_user: Any) -> None:
        staff, mine, theirs = people[Role.STAFF], people[Role.CUSTOMER], await make_user(Role.CUSTOMER)
        own = [(await counter(client, staff, mine, amount=a)).json()["id"] for a in (50_000, 60_000)]
        other = (await counter(client, staff, theirs)).json()["id"]
        page = (await client.get("/api/payments/history", headers=mine.headers)).json()
        assert {p["id"] for p in page["items"]} == set(own) and page["total"] == 2
        assert [p["amount"] for p in page["items"]] == [60_000, 50_000]  # newest first
        spying = await client.get("/api/payments/history", headers=mine.headers, params={"userId": str(theirs.id)})
        assert spying.status_code == 403
        stranger = await client.get(f"/api/payments/{other}", headers=mine.headers)
        assert stranger.status_code == 403
        assert (await client.get(f"/api/payments/{own[0]}", headers=mine.headers)).status_code == 200

    async def test_staff_see_everyone_with_filters_and_pages(self, client: httpx.AsyncClient,
                                                             people: dict[Role, Any], make_user: Any) -> None:
        staff, customer = people[Role.STAFF], await make_user(Role.CUSTOMER)
        for method in ("Cash", "Card", "Cash"):
            await counter(client, staff, customer, method=method)
        params: dict[str, Any] = {"userId": str(customer.id), "method": "Cash", "pageSize": 1}
        first = (await client.get("/api/payments/history", headers=staff.headers, params=params)).json()
        second = (await client.get("/api/payments/history", headers=staff.headers,
                                   params={**params, "page": 2})).json()
        assert (first["total"], len(first["items"]), first["pageSize"]) == (2, 1, 1)
        assert first["items"][0]["id"] != second["items"][0]["id"]
        flagged = await client.get("/api/payments/history", headers=staff.headers,
                                   params={"userId": str(customer.id), "flagged": "true"})
        assert flagged.json()["total"] == 0


class TestBadInput:
    @pytest.mark.parametrize("body", [
        {"amount": 150_000, "method": "VNPay"},  # no booking
        {"bookingId": "not-a-uuid", "amount": 150_000, "method": "VNPay"},
        {"bookingId": "{booking}", "amount": 0, "method": "VNPay"},
        {"bookingId": "{booking}", "amount": 150_000, "method": "Cash"},  # counter methods have their route
        {"bookingId": "{booking}", "amount": 150_000, "method": "Bitcoin"},
        {"bookingId": "{booking}", "amount": 500, "method": "MoMo"},  # below MoMo's 1,000 VND
    ])
    async def test_create_is_422_and_nothing_is_recorded(self, client: httpx.AsyncClient, people: dict[Role, Any],
                                                         sessionmaker: SessionMaker, body: dict[str, Any]) -> None:
        booking = uuid.uuid4()
        body = {k: str(booking) if v == "{booking}" else v for k, v in body.items()}
        response = await client.post("/api/payments/create", headers=people[Role.STAFF].headers, json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == "VALIDATION_ERROR", response.text
        assert await payments_of_booking(sessionmaker, booking) == []

    async def test_refund_needs_a_key_a_reason_and_a_sane_amount(self, client: httpx.AsyncClient,
                                                                 people: dict[Role, Any],
                                                                 sessionmaker: SessionMaker) -> None:
        payment = (await counter(client, people[Role.STAFF], people[Role.CUSTOMER])).json()
        url, manager = f"/api/payments/{payment['id']}/refund", people[Role.MANAGER]
        for body, status in [({"reason": "no key"}, 422), ({"refundId": str(uuid.uuid4())}, 422),
                             ({"amount": 0, "reason": "zero", "refundId": str(uuid.uuid4())}, 422),
                             ({"amount": 90_001, "reason": "too much", "refundId": str(uuid.uuid4())}, 409)]:
            response = await client.post(url, headers=manager.headers, json=body)
            assert response.status_code == status, (body, response.text)
        assert await refunds_of(sessionmaker, payment["id"]) == []
        unknown = await client.post(f"/api/payments/{uuid.uuid4()}/refund", headers=manager.headers,
                                    json={"reason": "x", "refundId": str(uuid.uuid4())})
        assert unknown.status_code == 404

    async def test_a_pending_payment_cannot_be_refunded(self, client: httpx.AsyncClient,
                                                        people: dict[Role, Any]) -> None:
        payment = await open_payment(client, people[Role.STAFF].headers, "VNPay")
        refused = await client.post(f"/api/payments/{payment['id']}/refund", headers=people[Role.MANAGER].headers,
                                    json={"reason": "x", "refundId": str(uuid.uuid4())})
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "PAYMENT_NOT_REFUNDABLE"

    async def test_verify_needs_exactly_one_source(self, client: httpx.AsyncClient) -> None:
        for body in ({"method": "VNPay"}, {"method": "VNPay", "query": "a=1", "params": {"a": "1"}}):
            assert (await client.post("/api/payments/verify", json=body)).status_code == 422


class TestCreate:
    async def test_same_booking_same_payment_other_method_409(self, client: httpx.AsyncClient,
                                                              people: dict[Role, Any]) -> None:
        staff, booking = people[Role.STAFF], uuid.uuid4()
        first = await open_payment(client, staff.headers, "VNPay", booking_id=booking)
        again = await client.post("/api/payments/create", headers=staff.headers,
                                  json={"bookingId": str(booking), "amount": AMOUNT, "method": "VNPay"})
        assert again.status_code == 200 and again.json()["id"] == first["id"]
        other = await client.post("/api/payments/create", headers=staff.headers,
                                  json={"bookingId": str(booking), "amount": AMOUNT, "method": "MoMo"})
        assert other.status_code == 409 and other.json()["error"]["details"]["paymentId"] == first["id"]

    async def test_after_a_failed_attempt_the_booking_may_try_again(self, client: httpx.AsyncClient,
                                                                    people: dict[Role, Any]) -> None:
        staff, booking = people[Role.STAFF], uuid.uuid4()
        first = await open_payment(client, staff.headers, "MoMo", booking_id=booking)
        await act(client, first, "cancel")
        second = await open_payment(client, staff.headers, "VNPay", booking_id=booking)
        assert second["id"] != first["id"] and second["status"] == "Pending"

    async def test_customers_pay_through_the_booking_not_here(self, client: httpx.AsyncClient,
                                                              people: dict[Role, Any]) -> None:
        refused = await client.post("/api/payments/create", headers=people[Role.CUSTOMER].headers,
                                    json={"bookingId": str(uuid.uuid4()), "amount": AMOUNT, "method": "VNPay"})
        assert refused.status_code == 403


async def test_methods_are_public(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/payments/methods")
    assert response.status_code == 200
    assert [(m["method"], m["online"], m["available"]) for m in response.json()] == [
        ("VNPay", True, True), ("MoMo", True, True), ("ZaloPay", True, True), ("Cash", False, True),
        ("Card", False, True)]
