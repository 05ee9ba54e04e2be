"""MoMo AIO v2 adapter: captureWallet create, query, refund (POST JSON, HMAC-SHA256). MoMo documents no
signature on these answers (spec §2.4, §4.12; the v3 docs' answer fields have none), so only the IPN and the
redirect are verified; an answer to a query or refund is believed only if it is about what was asked (our
partnerCode, the orderId sent), over the configured endpoint (https outside development)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.payments import gateway as gw
from domain.payments.errors import GatewayRefused, GatewayUnavailable
from domain.payments.models import PaymentMethod, RefundStatus
from infra.gateways.base import BaseGateway, error_reply, gateway_rules, safely, unreadable
from infra.gateways.momo import protocol as momo
from infra.gateways.settings import MomoSettings
from infra.gateways.transport import Exchange, GatewayTransport

_ACCEPTED = (gw.NoticeOutcome.SETTLED, gw.NoticeOutcome.DUPLICATE, gw.NoticeOutcome.LATE,
             gw.NoticeOutcome.DOUBLE_PAYMENT)
_REFUSALS = {
    gw.NoticeOutcome.INVALID_SIGNATURE: (400, "INVALID_SIGNATURE", "The signature does not match."),
    gw.NoticeOutcome.UNKNOWN_ORDER: (404, "ORDER_NOT_FOUND", "There is no such order."),
    gw.NoticeOutcome.WRONG_AMOUNT: (400, "AMOUNT_MISMATCH", "The amount is not the order's."),
    gw.NoticeOutcome.ERROR: (500, "INTERNAL_ERROR", "Something went wrong on our side."),
}
_REFUND_REJECTED = (momo.ResultCode.REFUND_REJECTED, momo.ResultCode.NOT_REFUNDABLE)


class MomoGateway(BaseGateway):
    method = PaymentMethod.MOMO

    def __init__(self, settings: MomoSettings, transport: GatewayTransport) -> None:
        super().__init__(transport)
        assert settings.endpoint and settings.ipn_url and settings.return_url
        self.settings, self._endpoint = settings, settings.endpoint.rstrip("/")
        self._keys = {"access_key": settings.access_key, "secret_key": settings.secret_key.get_secret_value()}

    def order_ref(self, payment_id: uuid.UUID, at: datetime) -> str:
        return payment_id.hex

    def refund_ref(self, refund_id: uuid.UUID, at: datetime) -> str:
        return refund_id.hex  # both the refund's new orderId and its requestId: a retry is replayed

    async def _post(self, path: str, body: dict[str, object], exchange: Exchange) -> dict[str, Any]:
        # requestId is MoMo's idempotency key (create: the payment id, so a retried create is replayed).
        return await self.transport.post_json(self._endpoint + path, body, exchange=exchange, repeatable=True)

    def check(self, order: gw.CheckoutOrder) -> momo.CreatePayment:
        with gateway_rules():
            return momo.CreatePayment(
                partner_code=self.settings.partner_code, request_id=order.payment_id.hex, order_id=order.order_ref,
                amount=order.amount, order_info=order.order_info, redirect_url=self.settings.return_url or "",
                ipn_url=self.settings.ipn_url or "")

    async def create(self, order: gw.CheckoutOrder) -> gw.Checkout:
        body = self.check(order).body(**self._keys)
        answer = await self._post(momo.CREATE_PATH, body, Exchange("create", order.order_ref, order.payment_id))
        if answer.get("resultCode") != momo.ResultCode.SUCCESS or not answer.get("payUrl"):
            raise _refused("create", answer)
        return gw.Checkout(pay_url=str(answer["payUrl"]), response=answer)

    async def query(self, payment: gw.PaymentRef, *, now: datetime) -> gw.GatewayResult:
        answer = await self._query(payment.order_ref, Exchange("query", payment.order_ref, payment.payment_id))
        code = answer.get("resultCode")
        if code in momo.PENDING_RESULT_CODES or code == momo.ResultCode.ORDER_NOT_FOUND:
            state = gw.GatewayState.PENDING
        elif isinstance(code, int) and momo.is_paid(code):
            state = gw.GatewayState.PAID
        elif isinstance(code, int) and momo.is_final(code):
            state = gw.GatewayState.FAILED
        else:
            raise _refused("query", answer)
        return gw.GatewayResult(state, safely(lambda: int(answer["amount"]), None),
                             str(answer["transId"]) if answer.get("transId") else None, str(code), answer)

    async def _query(self, order_id: str, exchange: Exchange) -> dict[str, Any]:
        body = momo.query_body(partner_code=self.settings.partner_code, request_id=uuid.uuid4().hex,
                               order_id=order_id, **self._keys)
        return self._about(await self._post(momo.QUERY_PATH, body, exchange), order_id, "query")

    def _about(self, answer: dict[str, Any], order_id: str, what: str) -> dict[str, Any]:
        """The answer, if it echoes our partnerCode and the orderId asked; anything else is no answer at all
        (neither paid nor failed): the caller retries or asks again later."""
        if answer.get("partnerCode") != self.settings.partner_code or answer.get("orderId") != order_id:
            raise GatewayUnavailable(f"MoMo's {what} answer is not about the order asked; it is not believed.",
                                     details={"method": "MoMo", "reason": "UNTRUSTED_ANSWER",
                                              "partnerCode": answer.get("partnerCode"),
                                              "orderId": answer.get("orderId")})
        return answer

    async def refund(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        payment = order.payment
        with gateway_rules():
            body = momo.refund_body(
                partner_code=self.settings.partner_code, request_id=order.gateway_ref, order_id=order.gateway_ref,
                amount=order.amount, trans_id=int(payment.transaction_id or "0"), description=order.reason,
                **self._keys)
        answer = self._about(await self._post(momo.REFUND_PATH, body, Exchange(
            "refund", payment.order_ref, payment.payment_id, order.refund_id)), order.gateway_ref, "refund")
        code = answer.get("resultCode")
        if code == momo.ResultCode.SUCCESS:
            status = RefundStatus.COMPLETED
        elif code in _REFUND_REJECTED:
            status = RefundStatus.REJECTED
        elif code == momo.ResultCode.DUPLICATE_REQUEST_ID:  # an earlier attempt is still being processed
            status = RefundStatus.APPROVED
        elif code == momo.ResultCode.REFUND_FAILED:  # "retry later"
            raise GatewayUnavailable("MoMo could not process the refund now (1080); it will be retried.")
        else:
            raise _refused("refund", answer)
        return gw.RefundResult(status, order.gateway_ref, str(answer.get("transId") or "") or None, str(code), answer)

    async def refund_status(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        """MoMo has no refund query: the original order's query lists its refunds (refundTrans)."""
        payment = order.payment
        answer = await self._query(payment.order_ref, Exchange("query_refund", payment.order_ref,
                                                               payment.payment_id, order.refund_id))
        found = [t for t in answer.get("refundTrans") or [] if isinstance(t, dict)
                 and t.get("orderId") == order.gateway_ref]
        code = found[0].get("resultCode") if found else None
        if code == momo.ResultCode.SUCCESS:
            status = RefundStatus.COMPLETED
        elif isinstance(code, int) and momo.is_final(code):
            status = RefundStatus.REJECTED
        else:  # unknown to MoMo: send it again (same ids, so never twice)
            status = RefundStatus.PENDING if not found else RefundStatus.APPROVED
        return gw.RefundResult(status, order.gateway_ref, str(found[0].get("transId")) if found else None,
                            str(code) if code is not None else None, answer)

    def _notice(self, kind: str, fields: dict[str, Any], raw: str) -> gw.Notice:
        valid = momo.verify_ipn(fields, **self._keys)
        ours = fields.get("partnerCode") == self.settings.partner_code
        code = safely(lambda: int(fields["resultCode"]), None)
        if code is not None and momo.is_paid(code):
            state = gw.GatewayState.PAID
        elif code in momo.PENDING_RESULT_CODES:
            state = gw.GatewayState.PENDING
        else:
            state = gw.GatewayState.FAILED
        result = gw.GatewayResult(state, safely(lambda: int(fields["amount"]), None),
                               str(fields["transId"]) if fields.get("transId") else None, str(code), fields)
        return gw.Notice(kind=kind, signature_valid=valid, order_ref=str(fields.get("orderId")) if ours else None,
                      result=result if valid else None, payload=fields, raw=raw)

    def parse_ipn(self, *, query: str, body: bytes) -> gw.Notice:
        raw = body.decode("utf-8", "replace")
        fields = safely(lambda: json.loads(raw), None)
        if not isinstance(fields, dict):
            return unreadable("ipn", {}, raw)
        return self._notice("ipn", fields, raw)

    def parse_return(self, params: Mapping[str, str]) -> gw.Notice:
        return self._notice("return", dict(params), "")

    def reply(self, outcome: gw.NoticeOutcome) -> gw.Reply:
        """MoMo wants 204 No Content; it does not reverse a payment over the answer, so refusals are
        plain HTTP errors in our error shape."""
        if outcome in _ACCEPTED:
            return gw.Reply(204, None)
        status, code, message = _REFUSALS[outcome]
        return gw.Reply(status, error_reply(code, message))


def _refused(what: str, answer: dict[str, Any]) -> GatewayRefused:
    code = answer.get("resultCode")
    return GatewayRefused(f"MoMo refused the {what} (resultCode {code}: {answer.get('message')}).",
                          {"method": "MoMo", "code": code})
