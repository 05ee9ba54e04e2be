"""Each adapter against its simulator over real HTTP: the simulator runs inside the API the `client` talks
to, so its signed IPNs really travel to our webhooks. Automatic refunds run in RefundWorkflow on the
real Temporal server (the `worker` fixture)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from domain.payments.money import to_vnpay_amount
from domain.payments.vntime import compact_timestamp, epoch_ms
from domain.shared.roles import Role
from domain.shared.time import utcnow
from infra.db import SessionMaker
from infra.gateways.momo import protocol as momo
from infra.gateways.vnpay import protocol as vnpay
from infra.gateways.zalopay import protocol as zalopay
from infra.settings import Settings
from tests.payments_support import (
    AMOUNT,
    METHODS,
    act,
    eventually,
    messages_of,
    open_payment,
    read,
    refunds_of,
    set_faults,
    sim_order,
)

pytestmark = pytest.mark.usefixtures("worker")


@pytest.fixture(autouse=True)
async def clean_sandbox(sandbox: httpx.AsyncClient, redis: Redis) -> AsyncIterator[None]:
    yield
    await sandbox.delete("/sandbox/faults")
    keys = [key async for key in redis.scan_iter("payments:breaker:*")]
    if keys:
        await redis.delete(*keys)


@pytest.fixture
async def staff(make_user: Any) -> Any:
    return await make_user(Role.STAFF)


@pytest.fixture
async def manager(make_user: Any) -> Any:
    return await make_user(Role.MANAGER)


def signed_ipn(settings: Settings, method: str, *, order_ref: str, amount: int, forged: bool = False) -> dict[str, Any]:
    """A successful IPN as the gateway would send it; `forged` signs it with a key that is not the gateway's."""
    config, now, wrong = settings.payments, utcnow(), "not-the-gateways-key-0123456789abcdef"
    if method == "VNPay":
        params = {"vnp_Amount": to_vnpay_amount(amount), "vnp_BankCode": "NCB", "vnp_CardType": "ATM",
                  "vnp_OrderInfo": "Thanh toan", "vnp_PayDate": compact_timestamp(now), "vnp_ResponseCode": "00",
                  "vnp_TmnCode": config.vnpay.tmn_code, "vnp_TransactionNo": "12345678",
                  "vnp_TransactionStatus": "00", "vnp_TxnRef": order_ref}
        return {"query": vnpay.signed_query(params, wrong if forged else config.vnpay.hash_secret.get_secret_value())}
    if method == "MoMo":
        body = {"partnerCode": config.momo.partner_code, "orderId": order_ref, "requestId": uuid.uuid4().hex,
                "amount": amount, "orderInfo": "Thanh toan", "orderType": "momo_wallet", "transId": 4088878653,
                "resultCode": 0, "message": "Successful.", "payType": "qr", "responseTime": epoch_ms(now),
                "extraData": ""}
        secret = wrong if forged else config.momo.secret_key.get_secret_value()
        return {"json": momo.signed(momo.IPN_FIELDS, body, access_key=config.momo.access_key, secret_key=secret)}
    data = zalopay.to_json({"app_id": config.zalopay.app_id, "app_trans_id": order_ref, "app_time": epoch_ms(now),
                            "app_user": "demo", "amount": amount, "embed_data": "{}", "item": "[]",
                            "zp_trans_id": 251125000000001, "server_time": epoch_ms(now), "channel": 38,
                            "merchant_user_id": "", "user_fee_amount": 0, "discount_amount": 0})
    return {"json": zalopay.callback_body(data, wrong if forged else config.zalopay.key2.get_secret_value())}


async def send_ipn(client: httpx.AsyncClient, method: str, message: dict[str, Any]) -> httpx.Response:
    if method == "VNPay":
        return await client.get(f"/api/payments/webhook/vnpay?{message['query']}")
    return await client.post(f"/api/payments/webhook/{method.lower()}", json=message["json"])


def answer_of(method: str, response: httpx.Response) -> object:
    """The gateway-specific part of a webhook answer."""
    if method == "VNPay":
        return response.json()["RspCode"]
    if method == "MoMo":
        return response.status_code
    return response.json()["return_code"]


REJECTED_SIGNATURE = {"VNPay": "97", "MoMo": 400, "ZaloPay": -1}
UNKNOWN_ORDER = {"VNPay": "01", "MoMo": 404, "ZaloPay": 0}
WRONG_AMOUNT = {"VNPay": "04", "MoMo": 400, "ZaloPay": 0}
SETTLED = {"VNPay": "00", "MoMo": 204, "ZaloPay": 1}
ALREADY = {"VNPay": "02", "MoMo": 204, "ZaloPay": 2}


def sim_answers(method: str, order: dict[str, Any]) -> list[object]:
    answers: list[object] = []
    for entry in order["ipn"]:
        if method == "MoMo":
            answers.append(entry["status"])
        else:
            body = httpx.Response(200, content=entry["answer"]).json()
            answers.append(body["RspCode"] if method == "VNPay" else body["return_code"])
    return answers


@pytest.mark.parametrize("method", METHODS)
class TestPay:
    async def test_the_signed_ipn_settles_and_the_return_url_only_displays(
            self, client: httpx.AsyncClient,
            sandbox: httpx.AsyncClient, staff: Any, method: str, sessionmaker: SessionMaker) -> None:
        payment = await open_payment(client, staff.headers, method)
        assert payment["status"] == "Pending" and payment["orderRef"]
        back = await act(client, payment)
        paid = await read(client, staff.headers, payment["id"])
        assert paid["status"] == "Success" and paid["paidAmount"] == AMOUNT and paid["transactionId"]
        assert sim_answers(method, await sim_order(sandbox, method, payment["orderRef"])) == [SETTLED[method]]
        shown = await client.get(back.headers["location"])
        assert shown.status_code == 200, shown.text
        assert shown.json() | {"message": None} == {
            "valid": True, "method": method, "orderRef": payment["orderRef"], "gatewayResult": "Paid",
            "amount": AMOUNT, "paymentId": payment["id"], "status": "Success", "message": None}
        journal = await messages_of(sessionmaker, payment["orderRef"])
        kinds = {(m.direction.value, m.kind, m.signature_valid) for m in journal}
        assert ("Inbound", "callback" if method == "ZaloPay" else "ipn", True) in kinds
        assert ("Inbound", "return", True) in kinds and ("Outbound", "create", None) in kinds

    async def test_a_tampered_return_url_is_not_trusted_and_changes_nothing(
            self, client: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Any, method: str) -> None:
        payment = await open_payment(client, staff.headers, method)
        await set_faults(sandbox, method, payment["orderRef"], drop_ipn=True)
        back = await act(client, payment)
        tampered = back.headers["location"].replace("amount=150000", "amount=1000").replace(
            "vnp_Amount=15000000", "vnp_Amount=100000")
        query = tampered.split("?", 1)[1]
        shown = await client.post("/api/payments/verify", json={"method": method, "query": query})
        assert shown.status_code == 200 and shown.json()["valid"] is False
        assert (await read(client, staff.headers, payment["id"]))["status"] == "Pending"

    async def test_cancel_fails_the_payment(self, client: httpx.AsyncClient, staff: Any, method: str) -> None:
        payment = await open_payment(client, staff.headers, method)
        await act(client, payment, "cancel")
        if method == "ZaloPay":  # ZaloPay sends no callback on cancel: a query finds out
            assert (await read(client, staff.headers, payment["id"]))["status"] == "Pending"
            queried = await client.post(f"/api/payments/{payment['id']}/query", headers=staff.headers)
            assert queried.status_code == 200, queried.text
        failed = await read(client, staff.headers, payment["id"])
        assert failed["status"] == "Failed" and failed["transactionId"] in (None, "0")
        assert failed["failureReason"] == {"VNPay": "GATEWAY_24", "MoMo": "GATEWAY_1006",
                                           "ZaloPay": "GATEWAY_-329"}[method]


@pytest.mark.parametrize("method", METHODS)
class TestIpnRules:
    async def test_a_duplicate_ipn_is_acknowledged_and_changes_nothing(
            self, client: httpx.AsyncClient,
            sandbox: httpx.AsyncClient, staff: Any, method: str, sessionmaker: SessionMaker) -> None:
        payment = await open_payment(client, staff.headers, method)
        await set_faults(sandbox, method, payment["orderRef"], duplicate_ipn=True)
        await act(client, payment)
        answers = sim_answers(method, await sim_order(sandbox, method, payment["orderRef"]))
        assert sorted(map(str, answers)) == sorted(map(str, [SETTLED[method], ALREADY[method]]))
        paid = await read(client, staff.headers, payment["id"])
        assert paid["status"] == "Success" and paid["refunds"] == [] and paid["flag"] is None

    async def test_a_forged_ipn_changes_nothing_and_a_later_genuine_one_still_works(
            self, client: httpx.AsyncClient, staff: Any, method: str, settings: Settings,
            sessionmaker: SessionMaker) -> None:
        payment = await open_payment(client, staff.headers, method)
        forged = await send_ipn(client, method, signed_ipn(settings, method, order_ref=payment["orderRef"],
                                                           amount=AMOUNT, forged=True))
        assert answer_of(method, forged) == REJECTED_SIGNATURE[method]
        assert (await read(client, staff.headers, payment["id"]))["status"] == "Pending"
        journal = await messages_of(sessionmaker, payment["orderRef"])
        assert [m.signature_valid for m in journal if m.kind in ("ipn", "callback")] == [False]
        await act(client, payment)
        assert (await read(client, staff.headers, payment["id"]))["status"] == "Success"

    async def test_a_genuine_ipn_for_an_unknown_order_is_refused_and_recorded_nowhere(
            self, client: httpx.AsyncClient, method: str, settings: Settings, sessionmaker: SessionMaker) -> None:
        ref = zalopay.app_trans_id(uuid.uuid4().hex, utcnow()) if method == "ZaloPay" else uuid.uuid4().hex
        answer = await send_ipn(client, method, signed_ipn(settings, method, order_ref=ref, amount=AMOUNT))
        assert answer_of(method, answer) == UNKNOWN_ORDER[method]
        journal = await messages_of(sessionmaker, ref)
        assert [(m.signature_valid, m.payment_id) for m in journal] == [(True, None)]

    async def test_a_wrong_amount_is_refused_recorded_flagged_and_refunded(
            self, client: httpx.AsyncClient,
            sandbox: httpx.AsyncClient, staff: Any, method: str, sessionmaker: SessionMaker) -> None:
        payment = await open_payment(client, staff.headers, method)
        await set_faults(sandbox, method, payment["orderRef"], paid_amount=120_000)
        await act(client, payment)
        order = await sim_order(sandbox, method, payment["orderRef"])
        assert sim_answers(method, order)[0] == WRONG_AMOUNT[method]
        refused = await read(client, staff.headers, payment["id"])
        assert (refused["status"], refused["flag"], refused["paidAmount"]) == ("Failed", "AmountMismatch", 120_000)
        assert refused["failureReason"] == "AmountMismatch"
        done = await eventually(lambda: read(client, staff.headers, payment["id"]),
                                lambda p: p["refundedAmount"] == 120_000, timeout=40)
        assert [(r["amount"], r["status"], r["automatic"]) for r in done["refunds"]] == [(120_000, "Completed", True)]
        assert done["status"] == "Failed"  # never accepted; the money went back
        order = await sim_order(sandbox, method, payment["orderRef"])
        assert (order.get("refunded"), len(await refunds_of(sessionmaker, payment["id"]))) == (120_000, 1)

    async def test_a_missing_ipn_is_settled_by_a_query(self, client: httpx.AsyncClient,
                                                       sandbox: httpx.AsyncClient, staff: Any,
                                                       method: str) -> None:
        payment = await open_payment(client, staff.headers, method)
        await set_faults(sandbox, method, payment["orderRef"], drop_ipn=True)
        await act(client, payment)
        assert (await read(client, staff.headers, payment["id"]))["status"] == "Pending"
        queried = await client.post(f"/api/payments/{payment['id']}/query", headers=staff.headers)
        assert queried.status_code == 200, queried.text
        assert (queried.json()["status"], queried.json()["paidAmount"]) == ("Success", AMOUNT)

    async def test_a_late_ipn_arrives_after_the_browser_came_back(self, client: httpx.AsyncClient,
                                                                  sandbox: httpx.AsyncClient, staff: Any,
                                                                   method: str) -> None:
        payment = await open_payment(client, staff.headers, method)
        await set_faults(sandbox, method, payment["orderRef"], late_ipn_ms=1500)
        await act(client, payment)
        assert (await read(client, staff.headers, payment["id"]))["status"] == "Pending"
        late = await eventually(lambda: read(client, staff.headers, payment["id"]),
                                lambda p: p["status"] != "Pending", timeout=15)
        assert late["status"] == "Success"


@pytest.mark.parametrize("method", METHODS)
class TestRefunds:
    async def test_partial_then_the_rest_then_nothing_left(self, client: httpx.AsyncClient,
                                                           sandbox: httpx.AsyncClient, staff: Any,
                                                             manager: Any, method: str) -> None:
        payment = await open_payment(client, staff.headers, method)
        await act(client, payment)
        url = f"/api/payments/{payment['id']}/refund"
        first = await client.post(url, headers=manager.headers, json={"amount": 50_000, "reason": "one seat",
                                                                        "refundId": str(uuid.uuid4())})
        assert first.status_code == 201, first.text
        refund = first.json()
        assert refund["status"] == ("Approved" if method == "ZaloPay" else "Completed")  # ZaloPay: async
        partial = await eventually(lambda: read(client, staff.headers, payment["id"]),
                                   lambda p: p["refundedAmount"] == 50_000, timeout=40)
        assert (partial["status"], partial["refundedAmount"]) == ("Success", 50_000)
        rest = await client.post(url, headers={**manager.headers, "Idempotency-Key": uuid.uuid4().hex},
                                 json={"reason": "whole booking cancelled"})
        assert rest.status_code == 201 and rest.json()["amount"] == 100_000, rest.text
        full = await eventually(lambda: read(client, staff.headers, payment["id"]),
                                lambda p: p["status"] == "Refunded", timeout=40)
        assert full["refundedAmount"] == AMOUNT and {r["status"] for r in full["refunds"]} == {"Completed"}
        assert (await sim_order(sandbox, method, payment["orderRef"]))["refunded"] == AMOUNT
        more = await client.post(url, headers={**manager.headers, "Idempotency-Key": uuid.uuid4().hex},
                                 json={"amount": 1_000, "reason": "again"})
        assert more.status_code == 409, more.text

    async def test_the_same_refund_id_refunds_once(self, client: httpx.AsyncClient, staff: Any, manager: Any,
                                                   method: str, sessionmaker: SessionMaker) -> None:
        payment = await open_payment(client, staff.headers, method)
        await act(client, payment)
        body = {"amount": 20_000, "reason": "snack not served", "refundId": str(uuid.uuid4())}
        url = f"/api/payments/{payment['id']}/refund"
        first = await client.post(url, headers=manager.headers, json=body)
        second = await client.post(url, headers=manager.headers, json=body)
        assert (first.status_code, second.status_code) == (201, 200), second.text
        assert first.json()["id"] == second.json()["id"]
        other = await client.post(url, headers=manager.headers, json={**body, "amount": 30_000})
        assert other.status_code == 409 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
        assert len(await refunds_of(sessionmaker, payment["id"])) == 1


class TestRefundThroughAnOutage:
    async def test_a_5xx_leaves_the_refund_pending_and_refundworkflow_finishes_it(
            self, client: httpx.AsyncClient, sandbox: httpx.AsyncClient, staff: Any, manager: Any) -> None:
        payment = await open_payment(client, staff.headers, "MoMo")
        await act(client, payment)
        await set_faults(sandbox, "MoMo", payment["orderRef"], fail_with_5xx=["refund"])
        refund = await client.post(f"/api/payments/{payment['id']}/refund", headers=manager.headers,
                                   json={"reason": "show cancelled", "refundId": str(uuid.uuid4())})
        assert refund.status_code == 201 and refund.json()["status"] == "Pending", refund.text
        assert "GATEWAY_UNAVAILABLE" in refund.json()["failureReason"]
        await sandbox.delete("/sandbox/faults")
        done = await eventually(lambda: read(client, staff.headers, payment["id"]),
                                lambda p: p["status"] == "Refunded", timeout=40)
        assert done["refunds"][0]["status"] == "Completed"
        assert (await sim_order(sandbox, "MoMo", payment["orderRef"]))["refunded"] == AMOUNT

