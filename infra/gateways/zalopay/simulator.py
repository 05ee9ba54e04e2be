"""ZaloPay v2 simulator (spec §3.7): create, the pay page, the key2 callback (success only) and redirect,
query, refund (processing first) and refund query."""

from __future__ import annotations

import json
import random
import secrets
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from domain.payments.signing import macs_equal
from domain.payments.vntime import epoch_ms, yymmdd
from domain.shared.time import utcnow
from infra.gateways.sandbox.delivery import Delivery, deliver, post_json
from infra.gateways.sandbox.deps import HttpDep, PublicRoute, RedisDep, SettingsDep
from infra.gateways.sandbox.page import api_faults, checkout_page, error_page
from infra.gateways.sandbox.store import SandboxStore
from infra.gateways.sandbox.urls import under
from infra.gateways.settings import PaymentSettings, payment_settings
from infra.gateways.zalopay import protocol as zalopay

router = APIRouter(prefix="/zalopay", route_class=PublicRoute)
_ORDER_CODES = {"PAID": (1, 1, "Giao dịch thành công"), "FAILED": (2, -329, "Người dùng huỷ giao dịch"),
                "EXPIRED": (2, -54, "Giao dịch hết hạn"), "PENDING": (3, 1, "Giao dịch đang xử lý")}


def _answer(return_code: int, sub_return_code: int, message: str, **fields: object) -> JSONResponse:
    return JSONResponse({"return_code": return_code, "return_message": message, "sub_return_code": sub_return_code,
                         "sub_return_message": message, **fields})


async def _fields(request: Request) -> dict[str, Any]:
    """ZaloPay reads the fields from the query string, a form body or a JSON body (spec §4.18)."""
    fields: dict[str, Any] = dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        fields.update(body if isinstance(body, dict) else {})
    else:
        fields.update(dict(await request.form()))
    for name in ("app_id", "amount", "app_time", "timestamp", "expire_duration_seconds"):
        if isinstance(fields.get(name), str) and fields[name].isdigit():
            fields[name] = int(fields[name])
    return fields


def _expired(order: dict[str, Any], now: datetime) -> bool:
    return order["status"] == "PENDING" and now > datetime.fromisoformat(order["expires_at"])


@router.post(zalopay.CREATE_PATH, summary="ZaloPay sandbox: create an order")
async def create(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config, now = SandboxStore(redis, "zalopay"), payment_settings(settings), utcnow()
    fields = await _fields(request)
    ref = str(fields.get("app_trans_id", ""))
    if (fault := await api_faults(store, ref, "create")) is not None:
        return fault
    if fields.get("app_id") != config.zalopay.app_id or not zalopay.verify_create(
            fields, config.zalopay.key1.get_secret_value()):
        return _answer(2, -402, "Invalid app or signature")
    if not zalopay.app_trans_id_is_current(ref, now) or not zalopay.app_time_is_fresh(int(fields["app_time"]), now):
        return _answer(2, -401, "Illegal data: app_trans_id must start with today's yymmdd, app_time be now")
    if (refusal := _urls_refusal(fields, config)) is not None:
        return refusal
    if not await store.claim("seen", ref):
        return _answer(2, -68, "Duplicate app_trans_id")
    token = secrets.token_urlsafe(16)
    seconds = int(fields.get("expire_duration_seconds") or 900)
    order = {"ref": ref, "amount": fields["amount"], "app_user": fields["app_user"], "app_time": fields["app_time"],
             "embed_data": fields["embed_data"], "item": fields["item"], "description": fields.get("description", ""),
             "callback_url": fields.get("callback_url") or config.zalopay.callback_url,
             "expires_at": (now + timedelta(seconds=seconds)).isoformat(), "status": "PENDING", "refunded": 0}
    await store.put("order", ref, order)
    await store.put("token", token, {"ref": ref})
    url = f"{settings.resolved_public_base_url}/sandbox/zalopay/openinapp?order={token}"
    return _answer(1, 1, "Giao dịch thành công", order_url=url, zp_trans_token=token, order_token=token,
                   qr_code=url)


def _urls_refusal(fields: dict[str, Any], config: PaymentSettings) -> JSONResponse | None:
    """Only our own callback and return routes are called or redirected to (no SSRF, no open redirect)."""
    try:
        embed = json.loads(str(fields.get("embed_data")))
    except ValueError:
        embed = None
    if not isinstance(embed, dict):
        return _answer(2, -401, "Illegal data: embed_data must be a JSON object string")
    callback, redirect = fields.get("callback_url"), embed.get("redirecturl")
    if (callback is not None and not under(callback, [config.zalopay.callback_url])) or (
            redirect is not None and not under(redirect, [config.zalopay.return_url])):
        return _answer(2, -401, "Illegal data: callback_url and redirecturl must be the app's registered URLs")
    return None


async def _order_of(store: SandboxStore, token: str) -> dict[str, Any] | None:
    found = await store.get("token", token)
    order = await store.get("order", found["ref"]) if found else None
    return order if order is not None and order["status"] == "PENDING" and not _expired(order, utcnow()) else None


@router.get("/openinapp", response_class=HTMLResponse, summary="ZaloPay sandbox: the pay page")
async def pay_page(order: str, settings: SettingsDep, redis: RedisDep) -> HTMLResponse:
    found = await _order_of(SandboxStore(redis, "zalopay"), order)
    if found is None:
        return error_page("ZaloPay", "-54", "No pending order for this link", 404)
    return checkout_page(gateway="ZaloPay", merchant=str(payment_settings(settings).zalopay.app_id),
                         order_ref=found["ref"], amount=found["amount"], description=found["description"])


@router.post("/openinapp", response_class=RedirectResponse, status_code=302, response_model=None,
             summary="ZaloPay sandbox: pay (sends the key2 callback) or cancel (no callback); redirects back")
async def complete(order: str, action: Annotated[Literal["pay", "cancel"], Form()], settings: SettingsDep,
                   redis: RedisDep, http: HttpDep) -> RedirectResponse | HTMLResponse:
    store, config, now = SandboxStore(redis, "zalopay"), payment_settings(settings), utcnow()
    found = await _order_of(store, order)
    if found is None or not await store.claim("done", found["ref"]):
        return error_page("ZaloPay", "-54", "No pending order for this link", 404)
    faults, paid, ref = await store.faults(found["ref"]), action == "pay", found["ref"]
    charged = faults.paid_amount or found["amount"]
    found.update(status="PAID" if paid else "FAILED", paid_amount=charged if paid else 0)
    if paid:
        found["zp_trans_id"] = zalopay.zp_trans_id(now, random.randrange(10**9))
        await store.put("zptrans", str(found["zp_trans_id"]), {"ref": ref})
    await store.put("order", ref, found)
    if paid:
        await deliver(_callback(http, store, config, found, charged, now), faults)
    params = {"appid": config.zalopay.app_id, "apptransid": ref, "pmcid": 38, "bankcode": "zalopayapp",
              "amount": charged, "discountamount": 0, "status": 1 if paid else -49}
    checksum = zalopay.redirect_checksum({k: str(v) for k, v in params.items()}, config.zalopay.key2.get_secret_value())
    redirect = json.loads(found["embed_data"]).get("redirecturl") or config.zalopay.return_url
    return RedirectResponse(f"{redirect}?{urlencode({**params, 'checksum': checksum})}", 302)


def _callback(http: httpx.AsyncClient, store: SandboxStore, config: PaymentSettings, order: dict[str, Any],
              charged: int, now: datetime) -> Delivery:
    data = zalopay.to_json({
        "app_id": config.zalopay.app_id, "app_trans_id": order["ref"], "app_time": order["app_time"],
        "app_user": order["app_user"], "amount": charged, "embed_data": order["embed_data"], "item": order["item"],
        "zp_trans_id": order["zp_trans_id"], "server_time": epoch_ms(now), "channel": 38, "merchant_user_id": "",
        "user_fee_amount": 0, "discount_amount": 0})
    body = zalopay.callback_body(data, config.zalopay.key2.get_secret_value())

    def accepted(status: int, text: str) -> bool:  # ZaloPay calls back again (at most 3 times) otherwise
        try:
            return status == 200 and json.loads(text).get("return_code") in (1, 2)
        except (ValueError, AttributeError):
            return False

    return Delivery(store, order["ref"], send=lambda: post_json(http, order["callback_url"], body), accepted=accepted,
                    retries=3, interval=config.sandbox.ipn_retry_interval.total_seconds())


@router.post(zalopay.QUERY_PATH, summary="ZaloPay sandbox: query an order")
async def query(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = SandboxStore(redis, "zalopay"), payment_settings(settings)
    fields = await _fields(request)
    ref = str(fields.get("app_trans_id", ""))
    if (fault := await api_faults(store, ref, "query")) is not None:
        return fault
    key1 = config.zalopay.key1.get_secret_value()
    if fields.get("app_id") != config.zalopay.app_id or not macs_equal(
            zalopay.query_mac(config.zalopay.app_id, ref, key1), fields.get("mac")):
        return _answer(2, -402, "Invalid app or signature")
    order = await store.get("order", ref)
    if order is None:
        return _answer(2, -49, "Order not found", is_processing=False)
    state = "EXPIRED" if _expired(order, utcnow()) else order["status"]
    code, sub, message = _ORDER_CODES[state]
    return _answer(code, sub, message, is_processing=False, amount=order.get("paid_amount") or order["amount"],
                   zp_trans_id=order.get("zp_trans_id", 0), discount_amount=0, server_time=epoch_ms(utcnow()))


@router.post(zalopay.REFUND_PATH, summary="ZaloPay sandbox: refund (answers 3, processing, then completes)")
async def refund(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config, now = SandboxStore(redis, "zalopay"), payment_settings(settings), utcnow()
    fields = await _fields(request)
    found = await store.get("zptrans", str(fields.get("zp_trans_id")))
    if (fault := await api_faults(store, found["ref"] if found else None, "refund")) is not None:
        return fault
    try:
        mac = zalopay.refund_mac(app_id=config.zalopay.app_id, zp_trans_id=str(fields["zp_trans_id"]),
                                 amount=fields["amount"], description=fields["description"],
                                 timestamp=fields["timestamp"], key1=config.zalopay.key1.get_secret_value())
    except (KeyError, TypeError):
        return _answer(2, -401, "Illegal data")
    if fields.get("app_id") != config.zalopay.app_id or not macs_equal(mac, fields.get("mac")):
        return _answer(2, -402, "Invalid app or signature")
    m_refund_id = str(fields.get("m_refund_id", ""))
    if not m_refund_id.startswith(f"{yymmdd(now)}_{config.zalopay.app_id}_"):
        return _answer(2, -401, "m_refund_id must be yymmdd_appid_xxx with today's date")
    if (existing := await store.get("refund", m_refund_id)) is not None:
        return _refund_state(existing, now)
    order = await store.get("order", found["ref"]) if found else None
    if order is None or order["status"] != "PAID":
        return _answer(2, -101, "The transaction cannot be refunded")
    if fields["amount"] > order["paid_amount"] - order["refunded"]:
        return _answer(2, -13, "The amount is more than what is left to refund")
    order["refunded"] += fields["amount"]
    await store.put("order", order["ref"], order)
    refund_doc = {"m_refund_id": m_refund_id, "amount": fields["amount"], "refund_id": random.randrange(10**11),
                  "done_at": (now + config.sandbox.zalopay_refund_processing).isoformat()}
    await store.put("refund", m_refund_id, refund_doc)
    return _refund_state(refund_doc, now)


def _refund_state(refund_doc: dict[str, Any], now: datetime) -> JSONResponse:
    if now >= datetime.fromisoformat(refund_doc["done_at"]):
        return _answer(1, 1, "Hoàn tiền thành công", refund_id=refund_doc["refund_id"])
    return _answer(3, 1, "Đang xử lý hoàn tiền", refund_id=refund_doc["refund_id"])


@router.post(zalopay.QUERY_REFUND_PATH, summary="ZaloPay sandbox: where a refund stands")
async def query_refund(request: Request, settings: SettingsDep, redis: RedisDep) -> JSONResponse:
    store, config = SandboxStore(redis, "zalopay"), payment_settings(settings)
    fields = await _fields(request)
    m_refund_id = str(fields.get("m_refund_id", ""))
    try:
        mac = zalopay.query_refund_mac(config.zalopay.app_id, m_refund_id, fields["timestamp"],
                                       config.zalopay.key1.get_secret_value())
    except (KeyError, TypeError):
        return _answer(2, -401, "Illegal data")
    if fields.get("app_id") != config.zalopay.app_id or not macs_equal(mac, fields.get("mac")):
        return _answer(2, -402, "Invalid app or signature")
    refund_doc = await store.get("refund", m_refund_id)
    if refund_doc is None:
        return _answer(2, -101, "No such refund")
    return _refund_state(refund_doc, utcnow())
