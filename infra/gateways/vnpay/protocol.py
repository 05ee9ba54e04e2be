"""VNPay 2.1.0: the signed pay URL, Return/IPN verification and answers, querydr/refund pipe hashes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import parse_qsl, quote_plus

from domain.payments.money import from_vnpay_amount, to_vnpay_amount
from domain.payments.signing import hmac_sha512_hex, macs_equal
from domain.payments.vntime import compact_timestamp, parse_compact_timestamp

VERSION = "2.1.0"
PAY_PATH = "/paymentv2/vpcpay.html"
API_PATH = "/merchant_webapi/api/transaction"
HASH_FIELD, HASH_TYPE_FIELD = "vnp_SecureHash", "vnp_SecureHashType"
PAY_TTL = timedelta(minutes=15)

_TMN_CODE = re.compile(r"[A-Za-z0-9]{8}")
_TXN_REF = re.compile(r"[A-Za-z0-9]{1,100}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_ORDER_INFO = re.compile(r"[A-Za-z0-9 ._:-]{1,255}")  # ASCII only: demos disagree on ~!*'() and non-ASCII


def _require(pattern: re.Pattern[str], value: str, name: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"{name} does not match {pattern.pattern}: {value!r}")
    return value


def validate_txn_ref(txn_ref: str) -> str:
    """Return txn_ref if it is Alphanumeric[1,100] (uniqueness per day is the caller's job)."""
    return _require(_TXN_REF, txn_ref, "vnp_TxnRef")


def validate_request_id(request_id: str) -> str:
    """Return request_id if it is Alphanumeric[1,32] (uniqueness per day is the caller's job)."""
    return _require(_REQUEST_ID, request_id, "vnp_RequestId")


def validate_order_info(order_info: str) -> str:
    """Return order_info if it is 1-255 of [A-Za-z0-9 ._:-], the set every VNPay demo encodes alike."""
    return _require(_ORDER_INFO, order_info, "vnp_OrderInfo")


def encode_value(value: str) -> str:
    """Form-URL-encode a value as the official Python demo does (quote_plus, space to '+')."""
    return quote_plus(value)


def hash_data(params: Mapping[str, str]) -> str:
    """The sorted, encoded k=v&... string of the non-empty vnp_ params, hash fields excluded."""
    signed = {k: v for k, v in params.items()
              if k.startswith("vnp_") and k not in (HASH_FIELD, HASH_TYPE_FIELD) and v != ""}
    return "&".join(f"{k}={encode_value(signed[k])}" for k in sorted(signed))


def sign(data: str, secret: str) -> str:
    """vnp_SecureHash: HMAC-SHA512 of data keyed by the hash secret, lowercase hex."""
    return hmac_sha512_hex(secret, data)


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """The query string: hashData followed by &vnp_SecureHash=<hash of that same hashData>."""
    data = hash_data(params)
    return f"{data}&{HASH_FIELD}={sign(data, secret)}"


def parse_query(query: str) -> dict[str, str]:
    """Decode a Return/IPN query string ('+' to space, %XX to UTF-8), keeping empty values."""
    return dict(parse_qsl(query.removeprefix("?"), keep_blank_values=True))


def verify(params: Mapping[str, str], secret: str) -> bool:
    """Whether decoded Return/IPN (or pay) params carry a valid vnp_SecureHash."""
    return macs_equal(sign(hash_data(params), secret), params.get(HASH_FIELD))


def is_successful(params: Mapping[str, str]) -> bool:
    """A payment succeeded iff vnp_ResponseCode and vnp_TransactionStatus are both 00."""
    return params.get("vnp_ResponseCode") == "00" and params.get("vnp_TransactionStatus") == "00"


def pay_expired(params: Mapping[str, str], now: datetime) -> bool:
    """Whether now is past vnp_ExpireDate; a pay request without one never expires."""
    expire = params.get("vnp_ExpireDate")
    return bool(expire) and now > parse_compact_timestamp(expire)


@dataclass(frozen=True)
class PayRequest:
    """The fields of a vnp_Command=pay request; validated on construction."""

    tmn_code: str
    amount_vnd: int
    txn_ref: str
    order_info: str
    return_url: str
    ip_addr: str
    created_at: datetime
    expires_at: datetime | None = None  # created_at + 15 min when None, as the official demo does
    locale: str = "vn"
    order_type: str = "other"
    bank_code: str | None = None

    def __post_init__(self) -> None:
        _require(_TMN_CODE, self.tmn_code, "vnp_TmnCode")
        validate_txn_ref(self.txn_ref)
        validate_order_info(self.order_info)
        to_vnpay_amount(self.amount_vnd)
        if self.locale not in ("vn", "en"):
            raise ValueError(f"vnp_Locale is vn or en, got {self.locale!r}")

    def params(self) -> dict[str, str]:
        """The unsigned vnp_ parameters; empty optional values are left out."""
        params = {
            "vnp_Version": VERSION, "vnp_Command": "pay", "vnp_TmnCode": self.tmn_code,
            "vnp_Amount": to_vnpay_amount(self.amount_vnd), "vnp_CurrCode": "VND", "vnp_TxnRef": self.txn_ref,
            "vnp_OrderInfo": self.order_info, "vnp_OrderType": self.order_type, "vnp_Locale": self.locale,
            "vnp_ReturnUrl": self.return_url, "vnp_IpAddr": self.ip_addr,
            "vnp_CreateDate": compact_timestamp(self.created_at),
            "vnp_ExpireDate": compact_timestamp(self.expires_at or self.created_at + PAY_TTL),
        }
        if self.bank_code:
            params["vnp_BankCode"] = self.bank_code
        return params


def pay_url(base_url: str, request: PayRequest, secret: str) -> str:
    """The browser redirect URL: base?hashData&vnp_SecureHash=..."""
    return f"{base_url}?{signed_query(request.params(), secret)}"


class IpnRsp(Enum):
    """The RspCode a merchant answers an IPN with; VNPay stops retrying on 00 and 02."""

    CONFIRM_SUCCESS = "00"
    ORDER_NOT_FOUND = "01"
    ORDER_ALREADY_CONFIRMED = "02"
    INVALID_AMOUNT = "04"
    INVALID_SIGNATURE = "97"
    UNKNOWN_ERROR = "99"

    @property
    def message(self) -> str:
        """The Message text of the official demos."""
        return _IPN_MESSAGES[self]

    @property
    def final(self) -> bool:
        """Whether VNPay stops retrying the IPN after this answer."""
        return self in (IpnRsp.CONFIRM_SUCCESS, IpnRsp.ORDER_ALREADY_CONFIRMED)

    def body(self) -> dict[str, str]:
        """The JSON body of the HTTP 200 answer."""
        return {"RspCode": self.value, "Message": self.message}


_IPN_MESSAGES = {
    IpnRsp.CONFIRM_SUCCESS: "Confirm Success", IpnRsp.ORDER_NOT_FOUND: "Order not found",
    IpnRsp.ORDER_ALREADY_CONFIRMED: "Order already confirmed", IpnRsp.INVALID_AMOUNT: "invalid amount",
    IpnRsp.INVALID_SIGNATURE: "Invalid signature", IpnRsp.UNKNOWN_ERROR: "Unknown error",
}


def ipn_rsp(*, signature_valid: bool, order_amount_vnd: int | None, order_pending: bool,
            vnp_amount: str) -> IpnRsp:
    """Answer an IPN in the official check order; order_amount_vnd is None when vnp_TxnRef is unknown."""
    if not signature_valid:
        return IpnRsp.INVALID_SIGNATURE
    if order_amount_vnd is None:
        return IpnRsp.ORDER_NOT_FOUND
    try:
        paid_vnd = from_vnpay_amount(vnp_amount)
    except ValueError:
        return IpnRsp.INVALID_AMOUNT
    if paid_vnd != order_amount_vnd:
        return IpnRsp.INVALID_AMOUNT
    if not order_pending:
        return IpnRsp.ORDER_ALREADY_CONFIRMED
    return IpnRsp.CONFIRM_SUCCESS  # also for a failed payment: the merchant recorded the result


class TransactionType(Enum):
    """vnp_TransactionType in querydr/refund."""

    PAYMENT = "01"
    FULL_REFUND = "02"
    PARTIAL_REFUND = "03"


@dataclass(frozen=True)
class PipeScheme:
    """A querydr/refund hash: raw values joined with '|' in a fixed field order, no URL-encoding."""

    fields: tuple[str, ...]

    def data(self, body: Mapping[str, object]) -> str:
        """The pipe-joined string; a missing or None value is signed as the empty string."""
        return "|".join("" if body.get(f) is None else str(body[f]) for f in self.fields)

    def sign(self, body: Mapping[str, object], secret: str) -> str:
        """HMAC-SHA512 of the pipe data."""
        return sign(self.data(body), secret)

    def signed(self, body: Mapping[str, object], secret: str) -> dict[str, object]:
        """A copy of body with its vnp_SecureHash set."""
        return {**body, HASH_FIELD: self.sign(body, secret)}

    def verify(self, body: Mapping[str, object], secret: str) -> bool:
        """Whether body's vnp_SecureHash matches its pipe data."""
        return macs_equal(self.sign(body, secret), body.get(HASH_FIELD))


QUERYDR_REQUEST = PipeScheme((
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TxnRef", "vnp_TransactionDate",
    "vnp_CreateDate", "vnp_IpAddr", "vnp_OrderInfo"))
QUERYDR_RESPONSE = PipeScheme((
    "vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef",
    "vnp_Amount", "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType",
    "vnp_TransactionStatus", "vnp_OrderInfo", "vnp_PromotionCode", "vnp_PromotionAmount"))
REFUND_REQUEST = PipeScheme((
    "vnp_RequestId", "vnp_Version", "vnp_Command", "vnp_TmnCode", "vnp_TransactionType", "vnp_TxnRef",
    "vnp_Amount", "vnp_TransactionNo", "vnp_TransactionDate", "vnp_CreateBy", "vnp_CreateDate", "vnp_IpAddr",
    "vnp_OrderInfo"))
REFUND_RESPONSE = PipeScheme(QUERYDR_RESPONSE.fields[:13])


def querydr_request(*, request_id: str, tmn_code: str, txn_ref: str, pay_created_at: datetime,
                    created_at: datetime, ip_addr: str, order_info: str, secret: str,
                    transaction_no: str | None = None) -> dict[str, object]:
    """The signed JSON body of a querydr; pay_created_at is the original pay vnp_CreateDate."""
    body: dict[str, object] = {
        "vnp_RequestId": validate_request_id(request_id), "vnp_Version": VERSION, "vnp_Command": "querydr",
        "vnp_TmnCode": tmn_code, "vnp_TxnRef": validate_txn_ref(txn_ref),
        "vnp_OrderInfo": validate_order_info(order_info),
        "vnp_TransactionDate": compact_timestamp(pay_created_at),
        "vnp_CreateDate": compact_timestamp(created_at), "vnp_IpAddr": ip_addr,
    }
    if transaction_no:
        body["vnp_TransactionNo"] = transaction_no
    return QUERYDR_REQUEST.signed(body, secret)


def refund_request(*, request_id: str, tmn_code: str, transaction_type: TransactionType, txn_ref: str,
                   amount_vnd: int, transaction_no: str | None, pay_created_at: datetime, create_by: str,
                   created_at: datetime, ip_addr: str, order_info: str, secret: str) -> dict[str, object]:
    """The signed JSON body of a refund; an unknown transaction_no is sent as "0" like the official demo."""
    if transaction_type is TransactionType.PAYMENT:
        raise ValueError("A refund's vnp_TransactionType is 02 (full) or 03 (partial).")
    body: dict[str, object] = {
        "vnp_RequestId": validate_request_id(request_id), "vnp_Version": VERSION, "vnp_Command": "refund",
        "vnp_TmnCode": tmn_code, "vnp_TransactionType": transaction_type.value,
        "vnp_TxnRef": validate_txn_ref(txn_ref), "vnp_Amount": to_vnpay_amount(amount_vnd),
        "vnp_OrderInfo": validate_order_info(order_info), "vnp_TransactionNo": transaction_no or "0",
        "vnp_TransactionDate": compact_timestamp(pay_created_at), "vnp_CreateBy": create_by,
        "vnp_CreateDate": compact_timestamp(created_at), "vnp_IpAddr": ip_addr,
    }
    return REFUND_REQUEST.signed(body, secret)
