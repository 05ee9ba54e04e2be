"""Payment routes over real HTTP: who may do what, history scoping, bad input (422, nothing changed),
counter payments and their refunds, the public methods list."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from domain.bookings.models import BookingStatus
from domain.shared.roles import Role
from domain.showtimes.models import SeatStatus
from infra.db import SessionMaker
from tests.api.test_booking_flow import money_consistent, wait_for_booking
from tests.api.test_bookings import lock
from tests.api.test_loyalty_tiers import loyalty_page
from tests.bookings_support import make_showtime, seat_ids, seats
from tests.eventually import eventually
from tests.payments_support import AMOUNT, act, open_payment, payments_of_booking, read, refunds_of

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture
async def people(make_user: Any) -> dict[Role, Any]:
    return {role: await make_user(role) for role in (Role.CUSTOMER, Role.STAFF, Role.MANAGER)}


async def held(client: httpx.AsyncClient, sessionmaker: SessionMaker, customer: Any,
               labels: tuple[str, ...] = ("A1", "A2")) -> dict[str, Any]:
    """A hold by the customer on a showtime of its own (customers hold one booking per showtime)."""
    showtime = await make_showtime(sessionmaker)
    response = await lock(client, customer, showtime.id, await seat_ids(sessionmaker, showtime.id, *labels))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def counter(client: httpx.AsyncClient, staff: Any, hold: dict[str, Any], *, method: str = "Cash",
                  amount: int | None = None) -> httpx.Response:
    """Staff take the hold's price (or `amount`) in cash or by card and record it."""
    return await client.post("/api/payments/counter", headers=staff.headers, json={
        "bookingId": hold["bookingId"], "amount": hold["totalAmount"] if amount is None else amount,
        "method": method, "reference": "SLIP-0042"})


async def paid_at_counter(client: httpx.AsyncClient, sessionmaker: SessionMaker, staff: Any, customer: Any,
                          **options: Any) -> dict[str, Any]:
    response = await counter(client, staff, await held(client, sessionmaker, customer), **options)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


class TestCounterPayments:
    async def test_staff_record_cash_and_card_successful_at_once_idempotent_on_the_booking(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker) -> None:
        staff, customer = people[Role.STAFF], people[Role.CUSTOMER]
        hold = await held(client, sessionmaker, customer)
        first = await counter(client, staff, hold)
        assert first.status_code == 201, first.text
        payment = first.json()
        assert (payment["status"], payment["method"], payment["paidAmount"], payment["transactionId"],
                payment["recordedBy"], payment["userId"]) == ("Success", "Cash", hold["totalAmount"], "SLIP-0042",
                                                              str(staff.id), str(customer.id))
        again = await counter(client, staff, hold)
        assert again.status_code == 200 and again.json()["id"] == payment["id"]
        other = await counter(client, staff, hold, method="Card")
        assert other.status_code == 409 and other.json()["error"]["code"] == "PAYMENT_EXISTS"

    async def test_the_paid_booking_is_confirmed_with_its_seats_booked(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker) -> None:
        customer = people[Role.CUSTOMER]
        hold = await held(client, sessionmaker, customer)
        assert (await counter(client, people[Role.STAFF], hold, method="Card")).status_code == 201
        await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
        ticket = (await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)).json()
        assert (ticket["status"], ticket["paymentStatus"]) == ("Confirmed", "Paid")
        states = await seats(sessionmaker, uuid.UUID(hold["showtimeId"]))
        assert states["A1"].status is states["A2"].status is SeatStatus.BOOKED
        await money_consistent(sessionmaker, [hold["bookingId"]])

    async def test_money_for_no_booking_is_refused_and_nothing_recorded(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker) -> None:
        booking = uuid.uuid4()
        refused = await counter(client, people[Role.STAFF], {"bookingId": str(booking), "totalAmount": 90_000})
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "NOT_FOUND", refused.text
        assert await payments_of_booking(sessionmaker, booking) == []

    async def test_another_amount_than_the_hold_costs_is_refused_and_nothing_recorded(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker) -> None:
        hold = await held(client, sessionmaker, people[Role.CUSTOMER])
        for amount in (hold["totalAmount"] - 1_000, hold["totalAmount"] + 1_000, 1):
            refused = await counter(client, people[Role.STAFF], hold, amount=amount)
            assert refused.status_code == 409, refused.text
            error = refused.json()["error"]
            assert (error["code"], error["details"]) == ("AMOUNT_MISMATCH", {"amountDue": hold["totalAmount"]})
        assert await payments_of_booking(sessionmaker, uuid.UUID(hold["bookingId"])) == []
        assert (await counter(client, people[Role.STAFF], hold)).status_code == 201  # the hold is kept

    async def test_a_released_hold_takes_no_money(self, client: httpx.AsyncClient, people: dict[Role, Any],
                                                  sessionmaker: SessionMaker) -> None:
        customer = people[Role.CUSTOMER]
        hold = await held(client, sessionmaker, customer)
        released = await client.delete(f"/api/bookings/{hold['bookingId']}/hold", headers=customer.headers)
        assert released.status_code == 204, released.text
        refused = await counter(client, people[Role.STAFF], hold)
        assert refused.status_code in (404, 409), refused.text
        assert refused.json()["error"]["code"] in ("NOT_FOUND", "NOT_HOLDING")
        assert await payments_of_booking(sessionmaker, uuid.UUID(hold["bookingId"])) == []

    async def test_a_counter_refund_is_completed_when_recorded(self, client: httpx.AsyncClient,
                                                               people: dict[Role, Any],
                                                               sessionmaker: SessionMaker) -> None:
        payment = await paid_at_counter(client, sessionmaker, people[Role.STAFF], people[Role.CUSTOMER],
                                        method="Card")
        url = f"/api/payments/{payment['id']}/refund"
        manager = people[Role.MANAGER]
        part = await client.post(url, headers=manager.headers,
                                 json={"amount": 40_000, "reason": "one seat", "refundId": str(uuid.uuid4())})
        assert part.status_code == 201 and part.json()["status"] == "Completed", part.text
        rest = await client.post(url, headers=manager.headers,
                                 json={"reason": "the rest", "refundId": str(uuid.uuid4())})
        assert rest.json()["amount"] == payment["amount"] - 40_000
        done = await read(client, manager.headers, payment["id"])
        assert (done["status"], done["refundedAmount"], len(done["refunds"])) == ("Refunded", payment["amount"], 2)

    async def test_customers_cannot_record_counter_payments(self, client: httpx.AsyncClient,
                                                            people: dict[Role, Any],
                                                            sessionmaker: SessionMaker) -> None:
        customer = people[Role.CUSTOMER]
        hold = await held(client, sessionmaker, customer)
        refused = await counter(client, customer, hold)
        assert refused.status_code == 403
        assert await payments_of_booking(sessionmaker, uuid.UUID(hold["bookingId"])) == []


class TestAFullRefundEndsTheTicket:
    async def test_the_booking_is_cancelled_its_seats_freed_its_qr_refused_its_points_revoked(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker,
            make_user: Any) -> None:
        customer, staff = await make_user(Role.CUSTOMER), people[Role.STAFF]
        hold = await held(client, sessionmaker, customer)
        payment = (await counter(client, staff, hold)).json()
        await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
        me = await eventually(lambda: client.get("/api/users/me", headers=customer.headers),
                              lambda r: r.json()["loyaltyPoints"] > 0)
        assert me.json()["loyaltyPoints"] == payment["amount"] // 10_000
        code = (await client.get(f"/api/bookings/{hold['bookingId']}", headers=customer.headers)).json()["qrCode"]

        refunded = await client.post(f"/api/payments/{payment['id']}/refund", headers=people[Role.MANAGER].headers,
                                     json={"reason": "customer complaint", "refundId": str(uuid.uuid4())})
        assert refunded.status_code == 201 and refunded.json()["status"] == "Completed", refunded.text

        booking = await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CANCELLED)
        assert booking.payment_status.value == "Refunded"
        states = await eventually(lambda: seats(sessionmaker, uuid.UUID(hold["showtimeId"])),
                                  lambda now: now["A1"].status is now["A2"].status is SeatStatus.AVAILABLE)
        assert states["A1"].status is SeatStatus.AVAILABLE
        scan = await client.post(f"/api/bookings/{hold['bookingId']}/validate", headers=staff.headers,
                                 json={"qrCode": code, "showtimeId": hold["showtimeId"]})
        assert scan.status_code == 409 and scan.json()["error"]["code"] == "TICKET_CANCELLED", scan.text
        points = await eventually(lambda: client.get("/api/users/me", headers=customer.headers),
                                  lambda r: r.json()["loyaltyPoints"] == 0)
        assert points.json()["loyaltyPoints"] == 0
        await money_consistent(sessionmaker, [hold["bookingId"]])

    async def test_partial_refunds_keep_the_ticket_and_take_back_their_share_of_points_and_spend(
            self, client: httpx.AsyncClient, people: dict[Role, Any], sessionmaker: SessionMaker) -> None:
        customer, manager = people[Role.CUSTOMER], people[Role.MANAGER]
        hold = await held(client, sessionmaker, customer)
        payment = (await counter(client, people[Role.STAFF], hold)).json()
        paid = hold["totalAmount"]
        earned = paid // 10_000  # a new member is Bronze: 1 point per 10,000 VND

        async def standing(balance: int, net_spend: int) -> dict[str, Any]:
            """The customer's page once it shows this balance and 12-month net spend (asserted)."""
            page = await eventually(lambda: loyalty_page(client, customer),
                                    lambda p: (p["balance"], p["netSpend12m"]) == (balance, net_spend))
            assert (page["balance"], page["netSpend12m"]) == (balance, net_spend)
            return page

        async def refund(amount: int | None) -> None:
            body = {"reason": "late start", "refundId": str(uuid.uuid4()), **({"amount": amount} if amount else {})}
            response = await client.post(f"/api/payments/{payment['id']}/refund", headers=manager.headers, json=body)
            assert response.status_code == 201, response.text

        await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)
        await standing(earned, paid)
        await refund(paid // 4)  # a goodwill quarter back at the payments desk
        await standing(earned - earned // 4, paid * 3 // 4)
        await refund(paid // 4)  # another quarter: half of the money back in all, half of the points
        page = await standing(earned - earned // 2, paid // 2)
        revokes = [e["points"] for e in page["items"] if e["type"] == "Revoke"]
        assert sorted(revokes) == sorted([-(earned // 4), -(earned // 2 - earned // 4)])  # the second: only the rest
        assert (await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CONFIRMED)).qr_code

        await refund(None)  # the rest: nothing of the payment is left, so the ticket is cancelled
        await wait_for_booking(sessionmaker, hold["bookingId"], BookingStatus.CANCELLED)
        page = await standing(0, 0)
        assert sum(e["points"] for e in page["items"] if e["type"] == "Revoke") == -earned  # nothing taken twice
        await money_consistent(sessionmaker, [hold["bookingId"]])


class TestRefundRoles:
    async def test_customers_and_staff_are_refused_managers_may(self, client: httpx.AsyncClient,
                                                                people: dict[Role, Any],
                                                                sessionmaker: SessionMaker) -> None:
        payment = await paid_at_counter(client, sessionmaker, people[Role.STAFF], people[Role.CUSTOMER])
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
                                                  make_user: Any, sessionmaker: SessionMaker) -> None:
        staff, mine, theirs = people[Role.STAFF], people[Role.CUSTOMER], await make_user(Role.CUSTOMER)
        own = [(await paid_at_counter(client, sessionmaker, staff, mine))["id"] for _ in range(2)]
        other = (await paid_at_counter(client, sessionmaker, staff, theirs))["id"]
        page = (await client.get("/api/payments/history", headers=mine.headers)).json()
        assert page["total"] == 2
        assert [p["id"] for p in page["items"]] == own[::-1]  # newest first
        spying = await client.get("/api/payments/history", headers=mine.headers, params={"userId": str(theirs.id)})
        assert spying.status_code == 403
        stranger = await client.get(f"/api/payments/{other}", headers=mine.headers)
        assert stranger.status_code == 403
        assert (await client.get(f"/api/payments/{own[0]}", headers=mine.headers)).status_code == 200

    async def test_staff_see_everyone_with_filters_and_pages(self, client: httpx.AsyncClient,
                                                             people: dict[Role, Any], make_user: Any,
                                                             sessionmaker: SessionMaker) -> None:
        staff, customer = people[Role.STAFF], await make_user(Role.CUSTOMER)
        for method in ("Cash", "Card", "Cash"):
            await paid_at_counter(client, sessionmaker, staff, customer, method=method)
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
        payment = await paid_at_counter(client, sessionmaker, people[Role.STAFF], people[Role.CUSTOMER])
        url, manager = f"/api/payments/{payment['id']}/refund", people[Role.MANAGER]
        for body, status in [({"reason": "no key"}, 422), ({"refundId": str(uuid.uuid4())}, 422),
                             ({"amount": 0, "reason": "zero", "refundId": str(uuid.uuid4())}, 422),
                             ({"amount": payment["amount"] + 1, "reason": "too much",
                               "refundId": str(uuid.uuid4())}, 409)]:
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

