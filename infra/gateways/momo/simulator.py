"""MoMo AIO v2 simulator (spec §2.7): create, the pay page, the signed IPN and redirect, query, refund."""

from __future__ import annotations

import random
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from domain.payments.money import momo_amount_ok
from domain.payments.vntime import epoch_ms
from domain.shared.time import utcnow
from infra.gateways.momo import protocol as momo
from infra.gateways.momo.protocol import ResultCode
from infra.gateways.sandbox.delivery import Delivery, deliver, post_json
from infra.gateways.sandbox.deps import HttpDep, PublicRoute, RedisDep, SettingsDep
from infra.gateways.sandbox.page import api_faults, checkout_page, error_page
from infra.gateways.sandbox.store import SandboxStore
from infra.gateways.sandbox.urls import under
from infra.gateways.settings import MomoSettings, payment_settings

router = APIRouter(prefix="/momo", route_class=PublicRoute)
_MESSAGES = {ResultCode.SUCCESS: "Successful.", ResultCode.AUTHENTICATION_FAILED: "Merchant authentication failed.",
             ResultCode.BAD_FORMAT: "Bad format request.", ResultCode.AMOUNT_OUT_OF_RANGE: "Amount out of range.",
             ResultCode.DUPLICATE_ORDER_ID: "Duplicated orderId.", ResultCode.ORDER_NOT_FOUND: "orderId not found.",
             ResultCode.PENDING: "Waiting for the user to confirm.", ResultCode.USER_CANCELLED:
             "Transaction denied by user.", ResultCode.REFUND_REJECTED: "Refund rejected.",
             ResultCode.NOT_REFUNDABLE: "The original transaction is not refundable."}
_RESULT = {"PENDING": ResultCode.PENDING, "PAID": ResultCode.SUCCESS, "FAILED": ResultCode.USER_CANCELLED}


def _keys(config: MomoSettings) -> dict[str, str]:
    return {"access_key": config.access_key, "secret_key": config.secret_key.get_secret_value()}


def _answer(body: dict[str, Any], code: ResultCode, **fields: object) -> dict[str, Any]:
    return {"partnerCode": body.get("partnerCode"), "requestId": body.get("requestId"),
            "orderId": body.get("orderId"), "resultCode": int(code), "message": _MESSAGES.get(code, "Error."),
            "responseTime": epoch_ms(utcnow()), **fields}


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@router.post(momo.CREATE_PATH, summary="MoMo sandbox: create a captureWallet payment")
async def create(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = SandboxStore(redis, "momo"), payment_settings(settings)
    body = await _body(request)
    order_id, request_id = str(body.get("orderId", "")), str(body.get("requestId", ""))
    if (fault := await api_faults(store, order_id, "create")) is not None:
        return fault
    if body.get("partnerCode") != config.momo.partner_code or not momo.verify(momo.CREATE_FIELDS, body,
                                                                               **_keys(config.momo)):
        return JSONResponse(_answer(body, ResultCode.AUTHENTICATION_FAILED))
    if not momo.order_id_ok(order_id) or not momo.request_id_ok(request_id):
        return JSONResponse(_answer(body, ResultCode.BAD_FORMAT))
    if not momo_amount_ok(body.get("amount")):
        return JSONResponse(_answer(body, ResultCode.AMOUNT_OUT_OF_RANGE))
    if not under(body.get("ipnUrl"), [config.momo.ipn_url]) or not under(body.get("redirectUrl"),
                                                                          [config.momo.return_url]):
        # Only our own webhook and return route: any other URL would make the simulator call or send anyone.
        return JSONResponse(_answer(body, ResultCode.BAD_FORMAT, message="ipnUrl and redirectUrl must be the "
                                    "merchant's registered webhook and return URLs."))
    if (replay := await store.get("request", request_id)) is not None:
        return JSONResponse(replay)  # a final answer is replayed for a repeated requestId
    if await store.get("order", order_id) is not None:
        return JSONResponse(_answer(body, ResultCode.DUPLICATE_ORDER_ID))
    order = {"ref": order_id, "request_id": request_id, "amount": body["amount"],
             "order_info": str(body.get("orderInfo", "")), "redirect_url": body.get("redirectUrl"),
             "ipn_url": body.get("ipnUrl"), "extra_data": body.get("extraData", ""), "status": "PENDING",
             "refunded": 0, "refund_trans": []}
    await store.put("order", order_id, order)
    pay_url = f"{settings.resolved_public_base_url}/sandbox/momo/pay/{order_id}"
    answer = _answer(body, ResultCode.SUCCESS, amount=body["amount"], payUrl=pay_url, deeplink=pay_url,
                     qrCodeUrl=pay_url)
    await store.put("request", request_id, answer)
    return JSONResponse(answer)


async def _pending(store: SandboxStore, order_id: str) -> dict[str, Any] | None:
    order = await store.get("order", order_id)
    return order if order is not None and order["status"] == "PENDING" else None


@router.get("/pay/{order_id}", response_class=HTMLResponse, summary="MoMo sandbox: the pay page")
async def pay_page(order_id: str, settings: SettingsDep, redis: RedisDep) -> HTMLResponse:
    order = await _pending(SandboxStore(redis, "momo"), order_id)
    if order is None:
        return error_page("MoMo", str(int(ResultCode.ORDER_NOT_FOUND)), "No pending order with this id", 404)
    return checkout_page(gateway="MoMo", merchant=payment_settings(settings).momo.partner_code, order_ref=order_id,
                         amount=order["amount"], description=order["order_info"])


@router.post("/pay/{order_id}", response_class=RedirectResponse, status_code=302, response_model=None,
             summary="MoMo sandbox: pay or cancel as the customer; sends the signed IPN, then redirects back")
async def complete(order_id: str, action: Annotated[Literal["pay", "cancel"], Form()], settings: SettingsDep,
                   redis: RedisDep, http: HttpDep) -> RedirectResponse | HTMLResponse:
    store, config = SandboxStore(redis, "momo"), payment_settings(settings)
    order = await _pending(store, order_id)
    if order is None or not await store.claim("done", order_id):
        return error_page("MoMo", str(int(ResultCode.ORDER_NOT_FOUND)), "No pending order with this id", 404)
    faults, paid = await store.faults(order_id), action == "pay"
    code = ResultCode.SUCCESS if paid else ResultCode.USER_CANCELLED
    trans_id = random.randrange(10**9, 10**10) if paid else 0
    charged = faults.paid_amount or order["amount"]
    ipn = momo.signed(momo.IPN_FIELDS, {
        "partnerCode": config.momo.partner_code, "orderId": order_id, "requestId": order["request_id"],
        "amount": charged, "orderInfo": order["order_info"], "orderType": "momo_wallet", "transId": trans_id,
        "resultCode": int(code), "message": _MESSAGES[code], "payType": "qr", "responseTime": epoch_ms(utcnow()),
        "extraData": order["extra_data"]}, **_keys(config.momo))
    order.update(status="PAID" if paid else "FAILED", trans_id=trans_id, paid_amount=charged if paid else 0)
    await store.put("order", order_id, order)
    if paid:
        await store.put("trans", str(trans_id), {"order_id": order_id})
    await deliver(Delivery(store, order_id, send=lambda: post_json(http, order["ipn_url"], ipn),
                           accepted=lambda status, _: status == 204, retries=0, interval=0), faults)
    return RedirectResponse(f"{order['redirect_url']}?{urlencode(ipn)}", 302)


@router.post(momo.QUERY_PATH, summary="MoMo sandbox: query a payment (with its refunds)")
async def query(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = SandboxStore(redis, "momo"), payment_settings(settings)
    body = await _body(request)
    if (fault := await api_faults(store, str(body.get("orderId", "")), "query")) is not None:
        return fault
    order_id = str(body.get("orderId", ""))
    if not momo.verify(momo.QUERY_FIELDS, body, **_keys(config.momo)):
        return JSONResponse(_answer(body, ResultCode.AUTHENTICATION_FAILED))
    order = await store.get("order", order_id)
    if order is None:
        return JSONResponse(_answer(body, ResultCode.ORDER_NOT_FOUND))
    return JSONResponse(_answer(body, _RESULT[order["status"]], amount=order.get("paid_amount") or order["amount"],
                                transId=order.get("trans_id", 0), payType="qr", extraData=order["extra_data"],
                                paymentOption="momo", promotionInfo=None, refundTrans=order["refund_trans"]))


@router.post(momo.REFUND_PATH, summary="MoMo sandbox: refund all or part of a payment")
async def refund(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = SandboxStore(redis, "momo"), payment_settings(settings)
    body = await _body(request)
    trans = await store.get("trans", str(body.get("transId")))
    if (fault := await api_faults(store, trans["order_id"] if trans else None, "refund")) is not None:
        return fault
    if not momo.verify(momo.REFUND_FIELDS, body, **_keys(config.momo)):
        return JSONResponse(_answer(body, ResultCode.AUTHENTICATION_FAILED))
    request_id, refund_order_id = str(body.get("requestId", "")), str(body.get("orderId", ""))
    if (replay := await store.get("request", request_id)) is not None:
        return JSONResponse(replay)
    order = await store.get("order", trans["order_id"]) if trans else None
    if order is None:
        return JSONResponse(_answer(body, ResultCode.ORDER_NOT_FOUND))
    if order["status"] != "PAID":
        return JSONResponse(_answer(body, ResultCode.NOT_REFUNDABLE))
    if await store.get("order", refund_order_id) is not None or not await store.claim("refund", refund_order_id):
        return JSONResponse(_answer(body, ResultCode.DUPLICATE_ORDER_ID))
    amount = body.get("amount")
    if not momo_amount_ok(amount, refund=True) or amount > order["paid_amount"] - order["refunded"]:
        answer = _answer(body, ResultCode.REFUND_REJECTED)
    else:
        refund_trans_id = random.randrange(10**9, 10**10)
        order["refunded"] += amount
        order["refund_trans"].append({"orderId": refund_order_id, "amount": amount, "resultCode": 0,
                                      "transId": refund_trans_id, "createdTime": epoch_ms(utcnow())})
        await store.put("order", order["ref"], order)
        answer = _answer(body, ResultCode.SUCCESS, amount=amount, transId=refund_trans_id)
    await store.put("request", request_id, answer)
    return JSONResponse(answer)
