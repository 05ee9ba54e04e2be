"""VNPay 2.1.0 adapter: a signed pay URL (no call), querydr and refund over POST JSON with pipe hashes."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.payments import gateway as gw
from domain.payments.errors import GatewayRefused, GatewayUnavailable
from domain.payments.models import Direction, PaymentMethod, RefundStatus
from domain.payments.money import from_vnpay_amount
from infra.gateways.base import BaseGateway, gateway_rules, safely
from infra.gateways.settings import VnpaySettings
from infra.gateways.transport import Exchange, GatewayTransport
from infra.gateways.vnpay import protocol as vnpay

_REPLIES = {
    gw.NoticeOutcome.SETTLED: vnpay.IpnRsp.CONFIRM_SUCCESS,
    gw.NoticeOutcome.DUPLICATE: vnpay.IpnRsp.ORDER_ALREADY_CONFIRMED,
    gw.NoticeOutcome.LATE: vnpay.IpnRsp.ORDER_ALREADY_CONFIRMED,  # not pending any more: recorded and refunded
    gw.NoticeOutcome.DOUBLE_PAYMENT: vnpay.IpnRsp.ORDER_ALREADY_CONFIRMED,
    gw.NoticeOutcome.WRONG_AMOUNT: vnpay.IpnRsp.INVALID_AMOUNT,
    gw.NoticeOutcome.INVALID_SIGNATURE: vnpay.IpnRsp.INVALID_SIGNATURE,
    gw.NoticeOutcome.UNKNOWN_ORDER: vnpay.IpnRsp.ORDER_NOT_FOUND,
    gw.NoticeOutcome.ERROR: vnpay.IpnRsp.UNKNOWN_ERROR,
}
_PENDING, _PAID = "01", "00"
_REFUND_TYPES = (vnpay.TransactionType.FULL_REFUND.value, vnpay.TransactionType.PARTIAL_REFUND.value)


class VnpayGateway(BaseGateway):
    method = PaymentMethod.VNPAY

    def __init__(self, settings: VnpaySettings, transport: GatewayTransport) -> None:
        super().__init__(transport)
        assert settings.pay_url and settings.api_url and settings.return_url
        self.settings, self._secret = settings, settings.hash_secret.get_secret_value()
        self._pay_url, self._api_url, self._return_url = settings.pay_url, settings.api_url, settings.return_url

    def order_ref(self, payment_id: uuid.UUID, at: datetime) -> str:
        return vnpay.validate_txn_ref(payment_id.hex)

    def refund_ref(self, refund_id: uuid.UUID, at: datetime) -> str:
        return vnpay.validate_request_id(refund_id.hex)  # vnp_RequestId: a retry repeats it and gets 94

    def check(self, order: gw.CheckoutOrder) -> vnpay.PayRequest:
        with gateway_rules():
            return vnpay.PayRequest(
                tmn_code=self.settings.tmn_code, amount_vnd=order.amount, txn_ref=order.order_ref,
                order_info=order.order_info, return_url=self._return_url, ip_addr=order.client_ip,
                created_at=order.created_at, expires_at=order.expires_at)

    async def create(self, order: gw.CheckoutOrder) -> gw.Checkout:
        request = self.check(order)
        url = vnpay.pay_url(self._pay_url, request, self._secret)
        await self.transport.record(Exchange("create", order.order_ref, order.payment_id), Direction.OUTBOUND,
                                    payload=request.params(), raw=url, outcome="pay URL signed")
        return gw.Checkout(pay_url=url, response=None)

    async def _call(self, body: dict[str, object], exchange: Exchange) -> dict[str, Any]:
        scheme = vnpay.QUERYDR_RESPONSE if body["vnp_Command"] == "querydr" else vnpay.REFUND_RESPONSE
        return await self.transport.post_json(self._api_url, dict(body), exchange=exchange, repeatable=True,
                                              verify=lambda answer: scheme.verify(answer, self._secret))

    async def _querydr(self, payment: gw.PaymentRef, now: datetime, exchange: Exchange) -> dict[str, Any]:
        body = vnpay.querydr_request(
            request_id=uuid.uuid4().hex, tmn_code=self.settings.tmn_code, txn_ref=payment.order_ref,
            pay_created_at=payment.requested_at, created_at=now, ip_addr=self.settings.server_ip,
            order_info=f"Truy van GD {payment.order_ref}", secret=self._secret, transaction_no=payment.transaction_id)
        answer = await self._call(body, exchange)
        code = answer.get("vnp_ResponseCode")
        if code not in ("00", "91"):  # 91: VNPay never saw the order (the customer did not reach it yet)
            raise _refused("querydr", answer)
        return answer

    async def query(self, payment: gw.PaymentRef, *, now: datetime) -> gw.GatewayResult:
        answer = await self._querydr(payment, now, Exchange("query", payment.order_ref, payment.payment_id))
        status = answer.get("vnp_TransactionStatus")
        if answer["vnp_ResponseCode"] == "91" or status == _PENDING:
            return gw.GatewayResult(gw.GatewayState.PENDING, None, None, answer.get("vnp_ResponseCode"), answer)
        state = gw.GatewayState.PAID if status == _PAID else gw.GatewayState.FAILED
        return gw.GatewayResult(state, safely(lambda: from_vnpay_amount(answer["vnp_Amount"]), None),
                             answer.get("vnp_TransactionNo") or None, status, answer)

    async def refund(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        payment = order.payment
        with gateway_rules():
            body = vnpay.refund_request(
                request_id=order.gateway_ref, tmn_code=self.settings.tmn_code,
                transaction_type=vnpay.TransactionType.FULL_REFUND if order.full
                else vnpay.TransactionType.PARTIAL_REFUND,
                txn_ref=payment.order_ref, amount_vnd=order.amount, transaction_no=payment.transaction_id,
                pay_created_at=payment.requested_at, create_by=order.requested_by, created_at=now,
                ip_addr=self.settings.server_ip, order_info=f"Hoan tien GD {payment.order_ref}", secret=self._secret)
        answer = await self._call(body, Exchange("refund", payment.order_ref, payment.payment_id, order.refund_id))
        code = answer.get("vnp_ResponseCode")
        status = {"00": RefundStatus.COMPLETED, "94": RefundStatus.APPROVED, "91": RefundStatus.REJECTED,
                  "95": RefundStatus.REJECTED}.get(str(code))
        if status is None:
            raise _refused("refund", answer)
        return gw.RefundResult(status, order.gateway_ref, answer.get("vnp_TransactionNo") or None, code, answer)

    async def refund_status(self, order: gw.RefundOrder, *, now: datetime) -> gw.RefundResult:
        """VNPay has no refund query: querydr shows the refund on the original transaction."""
        payment = order.payment
        answer = await self._querydr(payment, now, Exchange("query_refund", payment.order_ref, payment.payment_id,
                                                            order.refund_id))
        done = answer.get("vnp_TransactionType") in _REFUND_TYPES
        return gw.RefundResult(RefundStatus.COMPLETED if done else RefundStatus.APPROVED, order.gateway_ref, None,
                            answer.get("vnp_TransactionStatus"), answer)

    def _notice(self, kind: str, params: dict[str, str], raw: str) -> gw.Notice:
        valid = vnpay.verify(params, self._secret)
        ours = params.get("vnp_TmnCode") == self.settings.tmn_code
        result = gw.GatewayResult(
            gw.GatewayState.PAID if vnpay.is_successful(params) else gw.GatewayState.FAILED,
            safely(lambda: from_vnpay_amount(params["vnp_Amount"]), None), params.get("vnp_TransactionNo"),
            params.get("vnp_ResponseCode"), params) if valid else None
        return gw.Notice(kind=kind, signature_valid=valid, order_ref=params.get("vnp_TxnRef") if ours else None,
                      result=result, payload=params, raw=raw)

    def parse_ipn(self, *, query: str, body: bytes) -> gw.Notice:
        """VNPay sends the IPN by GET; a POST with the same parameters as a form body is read too."""
        raw = query or body.decode("utf-8", "replace")
        return self._notice("ipn", vnpay.parse_query(raw), raw)

    def parse_return(self, params: Mapping[str, str]) -> gw.Notice:
        return self._notice("return", dict(params), "")

    def reply(self, outcome: gw.NoticeOutcome) -> gw.Reply:
        return gw.Reply(200, _REPLIES[outcome].body())


def _refused(what: str, answer: dict[str, Any]) -> GatewayRefused | GatewayUnavailable:
    code = answer.get("vnp_ResponseCode")
    message = f"VNPay refused the {what} (vnp_ResponseCode {code}: {answer.get('vnp_Message')})."
    details = {"method": "VNPay", "code": code}
    return GatewayUnavailable(message, details=details) if code == "99" else GatewayRefused(message, details)
