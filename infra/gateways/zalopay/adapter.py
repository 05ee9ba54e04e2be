"""ZaloPay v2 adapter: create with the key1 mac, callback and redirect verified with key2, query, refund
and refund query. ZaloPay's answers carry no signature; what it sends us does (key2)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.payments import gateway as gw
from domain.payments.errors import GatewayRefused, GatewayUnavailable
from domain.payments.models import PaymentMethod, RefundStatus
from domain.payments.vntime import epoch_ms
from infra.gateways.base import BaseGateway, gateway_rules, safely, unreadable
from infra.gateways.settings import ZalopaySettings
from infra.gateways.transport import Exchange, GatewayTransport
from infra.gateways.zalopay import protocol as zalopay

_REPLIES = {
    gw.NoticeOutcome.SETTLED: zalopay.CallbackReply.SUCCESS.body(),
    gw.NoticeOutcome.DUPLICATE: zalopay.CallbackReply.DUPLICATE.body(),
    gw.NoticeOutcome.LATE: zalopay.CallbackReply.DUPLICATE.body(),
    gw.NoticeOutcome.DOUBLE_PAYMENT: zalopay.CallbackReply.DUPLICATE.body(),
    gw.NoticeOutcome.INVALID_SIGNATURE: zalopay.CallbackReply.MAC_MISMATCH.body(),
    # 0 makes ZaloPay call back again (at most 3 times): the order may just not be committed yet.
    gw.NoticeOutcome.UNKNOWN_ORDER: {"return_code": 0, "return_message": "order not found"},
    gw.NoticeOutcome.WRONG_AMOUNT: {"return_code": 0, "return_message": "invalid amount"},
    gw.NoticeOutcome.ERROR: zalopay.CallbackReply.RETRY.body(),
}
_ORDER_STATES = {1: gw.GatewayState.PAID, 2: gw.GatewayState.FAILED, 3: gw.GatewayState.PENDING}
_REFUND_STATES = {1: RefundStatus.COMPLETED, 2: RefundStatus.REJECTED, 3: RefundStatus.APPROVED}


class ZalopayGateway(BaseGateway):
    method = PaymentMethod.ZALOPAY

    def __init__(self, settings: ZalopaySettings, transport: GatewayTransport) -> None:
        super().__init__(transport)
        assert settings.endpoint and settings.return_url
        self.settings, self._endpoint = settings, settings.endpoint.rstrip("/")
        self._key1, self._key2 = settings.key1.get_secret_value(), settings.key2.get_secret_value()

    def order_ref(self, payment_id: uuid.UUID, at: datetime) -> str:
        return zalopay.app_trans_id(payment_id.hex, at)  # yymmdd_<32 hex>: 39 of the 40 characters allowed

    def refund_ref(self, refund_id: uuid.UUID, at: datetime) -> str:
        return zalopay.m_refund_id(self.settings.app_id, refund_id.hex, at)

    async def _post(self, path: str, body: dict[str, object], exchange: Exchange, *,
                    repeatable: bool) -> dict[str, Any]:
        return await self.transport.post_json(self._endpoint + path, body, exchange=exchange, repeatable=repeatable)

    def check(self, order: gw.CheckoutOrder) -> zalopay.CreateOrder:
        seconds = int((order.expires_at - order.created_at).total_seconds())
        with gateway_rules():
            return zalopay.CreateOrder(
                app_id=self.settings.app_id, app_user=order.user_ref, app_trans_id=order.order_ref,
                app_time=epoch_ms(order.created_at), amount=order.amount, description=order.order_info,
                item=zalopay.to_json([{"itemid": order.order_ref, "itemname": "Ve xem phim",
                                       "itemprice": order.amount, "itemquantity": 1}]),
                embed_data=zalopay.to_json({"redirecturl": self.settings.return_url}),
                callback_url=self.settings.callback_url,
                expire_duration_seconds=min(max(seconds, zalopay.EXPIRE_SECONDS_MIN), zalopay.EXPIRE_SECONDS_MAX))

    async def create(self, order: gw.CheckoutOrder) -> gw.Checkout:
        request = self.check(order)
        # A repeated create would be refused as a duplicate app_trans_id (-68): retried only if never sent.
        answer = await self._post(zalopay.CREATE_PATH, request.body(self._key1),
                                  Exchange("create", order.order_ref, order.payment_id), repeatable=False)
        if answer.get("return_code") != 1 or not answer.get("order_url"):
            raise _refused("create", answer)
        return gw.Checkout(pay_url=str(answer["order_url"]), response=answer)

    async def query(self, payment: gw.PaymentRef, *, now: datetime) -> gw.GatewayResult:
        body = {"app_id": self.settings.app_id, "app_trans_id": payment.order_ref,
                "mac": zalopay.query_mac(self.settings.app_id, payment.order_ref, self._key1)}
        answer = await self._post(zalopay.QUERY_PATH, body, Exchange("query", payment.order_ref, payment.payment_id),
                                  repeatable=True)
        state = _ORDER_STATES.get(answer.get("return_code"))  # type: ignore[arg-type]
        if state is None:
            raise _refused("query", answer)
        paid = state is gw.GatewayState.PAID
        if paid and not _positive_int(answer.get("zp_trans_id")):
            # ZaloPay signs no query answer (spec §3.5); a "paid" without its transaction is not believed.
            raise GatewayUnavailable("ZaloPay answered paid without a zp_trans_id; it is not believed.",
                                     details={"method": "ZaloPay", "reason": "UNTRUSTED_ANSWER"})
        return gw.GatewayResult(state, safely(lambda: int(answer["amount"]), None) if paid else None,
                             str(answer["zp_trans_id"]) if paid and answer.get("zp_trans_id") else None,
                             str(answer.get("sub_return_code", answer.get("return_code"))), answer)

    async def refund(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        payment, timestamp = order.payment, epoch_ms(now)
        zp_trans_id = payment.transaction_id or ""
        body = {"app_id": self.settings.app_id, "m_refund_id": order.gateway_ref, "zp_trans_id": zp_trans_id,
                "amount": order.amount, "timestamp": timestamp, "description": order.reason,
                "mac": zalopay.refund_mac(app_id=self.settings.app_id, zp_trans_id=zp_trans_id, amount=order.amount,
                                          description=order.reason, timestamp=timestamp, key1=self._key1)}
        answer = await self._post(zalopay.REFUND_PATH, body, Exchange("refund", payment.order_ref, payment.payment_id,
                                                                      order.refund_id), repeatable=True)
        return self._refund_result(order, answer, "refund")

    async def refund_status(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        payment, timestamp = order.payment, epoch_ms(now)
        body = {"app_id": self.settings.app_id, "m_refund_id": order.gateway_ref, "timestamp": timestamp,
                "mac": zalopay.query_refund_mac(self.settings.app_id, order.gateway_ref, timestamp, self._key1)}
        answer = await self._post(zalopay.QUERY_REFUND_PATH, body, Exchange(
            "query_refund", payment.order_ref, payment.payment_id, order.refund_id), repeatable=True)
        return self._refund_result(order, answer, "refund query")

    def _refund_result(self, order: gw.RefundOrder, answer: dict[str, Any], what: str) -> gw.RefundResult:
        status = _REFUND_STATES.get(answer.get("return_code"))  # type: ignore[arg-type]
        if status is None:
            raise _refused(what, answer)
        return gw.RefundResult(status, order.gateway_ref, str(answer["refund_id"]) if answer.get("refund_id") else None,
                            str(answer.get("sub_return_code", answer.get("return_code"))), answer)

    def parse_ipn(self, *, query: str, body: bytes) -> gw.Notice:
        """The callback: {"data": "<JSON string>", "mac": key2 over that exact string, "type": 1}."""
        raw = body.decode("utf-8", "replace")
        envelope = safely(lambda: json.loads(raw), None)
        if not isinstance(envelope, dict):
            return unreadable("callback", {}, raw)
        data = zalopay.parse_callback(envelope, self._key2)
        if data is None or not isinstance(data, dict):  # kept with the order it claims, for the journal
            claimed = safely(lambda: str(json.loads(envelope["data"])["app_trans_id"]), None)
            return unreadable("callback", envelope, raw, claimed_order_ref=claimed)
        ours = data.get("app_id") == self.settings.app_id and envelope.get("type") == 1
        result = gw.GatewayResult(gw.GatewayState.PAID, safely(lambda: int(data["amount"]), None),  # success only
                               str(data["zp_trans_id"]) if data.get("zp_trans_id") else None, "1", data)
        order_ref = str(data.get("app_trans_id")) if ours else None
        return gw.Notice(kind="callback", signature_valid=True, order_ref=order_ref, result=result, payload=envelope,
                         raw=raw)

    def parse_return(self, params: Mapping[str, str]) -> gw.Notice:
        valid = zalopay.verify_redirect(params, self._key2)
        ours = params.get("appid") == str(self.settings.app_id)
        result = gw.GatewayResult(gw.GatewayState.PAID if params.get("status") == "1" else gw.GatewayState.FAILED,
                               safely(lambda: int(params["amount"]), None), None, params.get("status"), dict(params))
        return gw.Notice(kind="return", signature_valid=valid, order_ref=params.get("apptransid") if ours else None,
                      result=result if valid else None, payload=dict(params), raw="")

    def reply(self, outcome: gw.NoticeOutcome) -> gw.Reply:
        return gw.Reply(200, _REPLIES[outcome])


def _refused(what: str, answer: dict[str, Any]) -> GatewayRefused:
    return GatewayRefused(
        f"ZaloPay refused the {what} (return_code {answer.get('return_code')}, sub_return_code "
        f"{answer.get('sub_return_code')}: {answer.get('sub_return_message') or answer.get('return_message')}).",
        {"method": "ZaloPay", "code": answer.get("sub_return_code", answer.get("return_code"))})


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
