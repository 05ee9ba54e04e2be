"""VNPay 2.1.0 simulator (spec §1.9): the pay page, the signed IPN and return redirect, querydr and refund."""

from __future__ import annotations

import json
import random
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from domain.payments.money import from_vnpay_amount, to_vnpay_amount
from domain.payments.vntime import compact_timestamp
from domain.shared.time import utcnow
from infra.gateways.sandbox.delivery import Delivery, deliver, get
from infra.gateways.sandbox.deps import HttpDep, PublicRoute, RedisDep, SettingsDep
from infra.gateways.sandbox.page import api_faults, checkout_page, error_page
from infra.gateways.sandbox.store import SandboxStore
from infra.gateways.sandbox.urls import under
from infra.gateways.settings import PaymentSettings, payment_settings
from infra.gateways.vnpay import protocol as vnpay
from infra.settings import Settings

router = APIRouter(prefix="/vnpay", route_class=PublicRoute)
PAY, ERROR = "/paymentv2/vpcpay.html", "/paymentv2/Payment/Error.html"
_ERRORS = {"01": "Transaction already exists", "02": "Invalid merchant (TmnCode)", "03": "Bad data format",
           "15": "The payment session has expired", "70": "Invalid checksum"}
_MESSAGES = {"00": "Success", "02": "Invalid TmnCode", "03": "Bad data format", "91": "Transaction not found",
             "94": "Duplicate request", "95": "Transaction not successful at VNPay", "97": "Invalid checksum"}
_STATUS = {"PENDING": "01", "PAID": "00", "FAILED": "02"}


def _store(redis: RedisDep) -> SandboxStore:
    return SandboxStore(redis, "vnpay")


def _error_redirect(settings: Settings, code: str) -> RedirectResponse:
    return RedirectResponse(f"{settings.resolved_public_base_url}/sandbox/vnpay{ERROR}?code={code}", 302)


async def _open_order(request: Request, settings: Settings, store: SandboxStore,
                      config: PaymentSettings) -> tuple[dict[str, Any] | None, str | None]:
    """The order a signed pay URL describes (made on first sight), or the error-page code."""
    params = vnpay.parse_query(request.url.query)
    if not vnpay.verify(params, config.vnpay.hash_secret.get_secret_value()):
        return None, "70"
    if params.get("vnp_TmnCode") != config.vnpay.tmn_code:
        return None, "02"
    try:
        if vnpay.pay_expired(params, utcnow()):
            return None, "15"
        amount = from_vnpay_amount(params["vnp_Amount"])
        ref, return_url = params["vnp_TxnRef"], params["vnp_ReturnUrl"]
    except (KeyError, ValueError):
        return None, "03"
    if not under(return_url, [config.vnpay.return_url]):  # the browser goes back only to our return route
        return None, "03"
    order = await store.get("order", ref)
    if order is None:
        order = {"ref": ref, "amount": amount, "order_info": params.get("vnp_OrderInfo", ""),
                 "return_url": return_url, "create_date": params.get("vnp_CreateDate"), "status": "PENDING",
                 "refunded": 0, "refunds": []}
        await store.put("order", ref, order)
    return order, None


@router.get(PAY, response_class=HTMLResponse, response_model=None,
            summary="VNPay sandbox: the pay page (checks the signed URL)")
async def pay_page(request: Request, settings: SettingsDep, redis: RedisDep) -> HTMLResponse | RedirectResponse:
    store, config = _store(redis), payment_settings(settings)
    order, error = await _open_order(request, settings, store, config)
    if order is None:
        return _error_redirect(settings, error or "03")
    return checkout_page(gateway="VNPay", merchant=config.vnpay.tmn_code, order_ref=order["ref"],
                         amount=order["amount"], description=order["order_info"])


@router.post(PAY, response_class=RedirectResponse, status_code=302,
             summary="VNPay sandbox: pay or cancel as the customer; sends the signed IPN, then redirects back")
async def complete(request: Request, action: Annotated[Literal["pay", "cancel"], Form()], settings: SettingsDep,
                   redis: RedisDep, http: HttpDep) -> RedirectResponse:
    store, config = _store(redis), payment_settings(settings)
    order, error = await _open_order(request, settings, store, config)
    if order is None or not await store.claim("done", order["ref"]):
        return _error_redirect(settings, error or "01")
    faults, now, paid = await store.faults(order["ref"]), utcnow(), action == "pay"
    transaction_no = f"{random.randrange(10**7, 10**8)}" if paid else "0"
    charged = faults.paid_amount or order["amount"]
    result = {"vnp_Amount": to_vnpay_amount(charged), "vnp_BankCode": "NCB", "vnp_CardType": "ATM",
              "vnp_OrderInfo": order["order_info"], "vnp_PayDate": compact_timestamp(now),
              "vnp_ResponseCode": "00" if paid else "24", "vnp_TmnCode": config.vnpay.tmn_code,
              "vnp_TransactionNo": transaction_no, "vnp_TransactionStatus": "00" if paid else "02",
              "vnp_TxnRef": order["ref"]}
    if paid:
        result["vnp_BankTranNo"] = f"VNP{transaction_no}"
    order.update(status="PAID" if paid else "FAILED", transaction_no=transaction_no, pay_date=result["vnp_PayDate"],
                 paid_amount=charged if paid else 0)
    await store.put("order", order["ref"], order)
    query = vnpay.signed_query(result, config.vnpay.hash_secret.get_secret_value())
    ipn_url = f"{config.vnpay.ipn_url}?{query}"
    await deliver(Delivery(store, order["ref"], send=lambda: get(http, ipn_url), accepted=_ipn_final,
                           retries=config.sandbox.ipn_retries,
                           interval=config.sandbox.ipn_retry_interval.total_seconds()), faults)
    return RedirectResponse(f"{order['return_url']}?{query}", 302)


def _ipn_final(status: int, text: str) -> bool:
    """VNPay stops re-sending on 00 and 02 (spec §1.5)."""
    try:
        return status == 200 and json.loads(text).get("RspCode") in ("00", "02")
    except (ValueError, AttributeError):
        return False


@router.get(ERROR, response_class=HTMLResponse, summary="VNPay sandbox: the error page")
async def error(code: str = "99") -> HTMLResponse:
    return error_page("VNPay", code, _ERRORS.get(code, "Unknown error"))


@router.post("/merchant_webapi/api/transaction", summary="VNPay sandbox: querydr and refund (signed both ways)")
async def transaction(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = _store(redis), payment_settings(settings)
    secret = config.vnpay.hash_secret.get_secret_value()
    try:
        body = await request.json()
        command = body["vnp_Command"]
    except (ValueError, KeyError, TypeError):
        return JSONResponse({"vnp_ResponseCode": "03", "vnp_Message": _MESSAGES["03"]}, status_code=400)
    request_scheme, response_scheme = ((vnpay.QUERYDR_REQUEST, vnpay.QUERYDR_RESPONSE) if command == "querydr"
                                       else (vnpay.REFUND_REQUEST, vnpay.REFUND_RESPONSE))
    ref = str(body.get("vnp_TxnRef", ""))
    if (fault := await api_faults(store, ref, "query" if command == "querydr" else "refund")) is not None:
        return fault

    def answer(code: str, **fields: object) -> JSONResponse:
        data = {"vnp_ResponseId": uuid.uuid4().hex, "vnp_Command": command, "vnp_ResponseCode": code,
                "vnp_Message": _MESSAGES.get(code, "Other error"), "vnp_TmnCode": body.get("vnp_TmnCode"),
                "vnp_TxnRef": ref, **fields}
        return JSONResponse(response_scheme.signed(data, secret))

    if command not in ("querydr", "refund"):
        return answer("03")
    if body.get("vnp_TmnCode") != config.vnpay.tmn_code:
        return answer("02")
    if not request_scheme.verify(body, secret):
        return answer("97")
    if not await store.claim("request", str(body.get("vnp_RequestId"))):
        return answer("94")
    order = await store.get("order", ref)
    if order is None:
        return answer("91")
    if command == "refund":
        return await _refund(store, order, body, answer)
    return answer("00", **_transaction_fields(order, order.get("paid_amount") or order["amount"]))


def _transaction_fields(order: dict[str, Any], amount: int) -> dict[str, object]:
    return {"vnp_Amount": to_vnpay_amount(amount), "vnp_OrderInfo": order["order_info"], "vnp_BankCode": "NCB",
            "vnp_PayDate": order.get("pay_date", ""), "vnp_TransactionNo": order.get("transaction_no", ""),
            "vnp_TransactionType": order.get("transaction_type", "01"),
            "vnp_TransactionStatus": order.get("transaction_status", _STATUS[order["status"]])}


async def _refund(store: SandboxStore, order: dict[str, Any], body: dict[str, Any], answer: Any) -> JSONResponse:
    if order["status"] != "PAID":
        return answer("95")
    try:
        amount = from_vnpay_amount(str(body["vnp_Amount"]))
    except (KeyError, ValueError):
        return answer("03")
    left = order["paid_amount"] - order["refunded"]
    full = body.get("vnp_TransactionType") == vnpay.TransactionType.FULL_REFUND.value
    if amount > left or (full and amount != order["paid_amount"]):
        return answer("03")
    order["refunded"] += amount
    order["refunds"].append({"request_id": body.get("vnp_RequestId"), "amount": amount,
                             "type": body.get("vnp_TransactionType")})
    order["transaction_type"] = body.get("vnp_TransactionType")
    order["transaction_status"] = "05"  # VNPay is processing the refund
    await store.put("order", order["ref"], order)
    return answer("00", **_transaction_fields(order, amount))
