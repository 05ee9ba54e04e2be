"""MoMo AIO v2 (captureWallet): raw-signature strings, HMAC-SHA256 signatures, id rules, result codes."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from domain.payments.money import momo_amount_ok
from domain.payments.signing import hmac_sha256_hex, macs_equal

CREATE_PATH = "/v2/gateway/api/create"
QUERY_PATH = "/v2/gateway/api/query"
REFUND_PATH = "/v2/gateway/api/refund"
CAPTURE_WALLET = "captureWallet"

# Each operation signs a fixed a-z field list; accessKey is always signed, even when not in the body.
CREATE_FIELDS = ("accessKey", "amount", "extraData", "ipnUrl", "orderId", "orderInfo", "partnerCode",
                 "redirectUrl", "requestId", "requestType")
IPN_FIELDS = ("accessKey", "amount", "extraData", "message", "orderId", "orderInfo", "orderType",
              "partnerCode", "payType", "requestId", "responseTime", "resultCode", "transId")
QUERY_FIELDS = ("accessKey", "orderId", "partnerCode", "requestId")
REFUND_FIELDS = ("accessKey", "amount", "description", "orderId", "partnerCode", "requestId", "transId")

# Same language as MoMo's ^[0-9a-zA-Z]([-_.]*[0-9a-zA-Z]+)*$, without its nested-quantifier backtracking.
_ORDER_ID = re.compile(r"[0-9a-zA-Z]+(?:[-_.]+[0-9a-zA-Z]+)*")
ORDER_ID_MAX, REQUEST_ID_MAX, ORDER_INFO_MAX = 50, 50, 200


class ResultCode(IntEnum):
    """The resultCode values our adapter and simulator act on (the full table is in the spec, section 2.6)."""

    SUCCESS = 0
    AUTHENTICATION_FAILED = 13  # bad credentials or signature
    BAD_FORMAT = 20
    AMOUNT_OUT_OF_RANGE = 22
    DUPLICATE_REQUEST_ID = 40
    DUPLICATE_ORDER_ID = 41
    ORDER_NOT_FOUND = 42
    UNKNOWN_ERROR = 99
    PENDING = 1000
    EXPIRED = 1005
    USER_CANCELLED = 1006
    REFUND_FAILED = 1080
    REFUND_REJECTED = 1081
    NOT_REFUNDABLE = 1088
    PROCESSING = 7000
    PROCESSING_BY_PROVIDER = 7002
    AWAITING_RECONFIRMATION = 8000
    AUTHORIZED = 9000


FINAL_RESULT_CODES = frozenset({0, 98, 99, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1017, 1026, 1080, 1081,
                                1088, 2019, 4001, 4002, 4100})
PENDING_RESULT_CODES = frozenset({1000, 7000, 7002, 8000})


def is_final(result_code: int) -> bool:
    """Whether the result is terminal, so a repeated requestId replays it instead of getting 40."""
    return result_code in FINAL_RESULT_CODES


def is_paid(result_code: int, *, auto_capture: bool = True) -> bool:
    """0 is paid; 9000 (authorized) counts as paid only in the 1-step autoCapture flow."""
    return result_code == 0 or (auto_capture and result_code == 9000)


class MissingField(ValueError):
    """A field the signature covers is absent."""


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"Signed MoMo values are strings or integers, got {value!r}")


def raw_signature(fields: tuple[str, ...], values: Mapping[str, object], access_key: str) -> str:
    """key=value&... over the fixed field list, raw un-encoded values, accessKey taken from the argument."""
    values = {**values, "accessKey": access_key}
    missing = [f for f in fields if values.get(f) is None]
    if missing:
        raise MissingField(f"Missing signed fields: {', '.join(missing)}")
    return "&".join(f"{f}={_text(values[f])}" for f in fields)


def sign(raw: str, secret_key: str) -> str:
    """signature: HMAC-SHA256 of the raw string keyed by secretKey, lowercase hex."""
    return hmac_sha256_hex(secret_key, raw)


def signed(fields: tuple[str, ...], body: Mapping[str, object], *, access_key: str,
           secret_key: str) -> dict[str, object]:
    """A copy of body with its signature set."""
    return {**body, "signature": sign(raw_signature(fields, body, access_key), secret_key)}


def verify(fields: tuple[str, ...], body: Mapping[str, object], *, access_key: str, secret_key: str) -> bool:
    """Whether body's signature matches; a missing or mistyped signed field fails."""
    try:
        expected = sign(raw_signature(fields, body, access_key), secret_key)
    except (MissingField, TypeError):
        return False
    return macs_equal(expected, body.get("signature"))


def verify_ipn(body: Mapping[str, object], *, access_key: str, secret_key: str) -> bool:
    """Verify an IPN body, or the decoded redirectUrl query (same formula, string values)."""
    return verify(IPN_FIELDS, body, access_key=access_key, secret_key=secret_key)


def order_id_ok(order_id: str) -> bool:
    """Whether order_id is at most 50 chars and matches MoMo's orderId pattern."""
    return len(order_id) <= ORDER_ID_MAX and _ORDER_ID.fullmatch(order_id) is not None


def request_id_ok(request_id: str) -> bool:
    """Whether request_id is 1-50 characters (it must also be unique: it is MoMo's idempotency key)."""
    return 0 < len(request_id) <= REQUEST_ID_MAX


def encode_extra_data(data: Mapping[str, Any] | None) -> str:
    """extraData: "" when there is nothing, else base64 of the JSON object."""
    return base64.b64encode(json.dumps(dict(data)).encode()).decode() if data else ""


def decode_extra_data(extra_data: str) -> dict[str, Any]:
    """The JSON object carried in extraData; {} for ""."""
    return json.loads(base64.b64decode(extra_data, validate=True)) if extra_data else {}


@dataclass(frozen=True)
class CreatePayment:
    """A captureWallet create request; validated on construction."""

    partner_code: str
    request_id: str
    order_id: str
    amount: int
    order_info: str
    redirect_url: str
    ipn_url: str
    extra_data: str = ""
    lang: str = "vi"

    def __post_init__(self) -> None:
        if not order_id_ok(self.order_id):
            raise ValueError(f"Invalid MoMo orderId: {self.order_id!r}")
        if not request_id_ok(self.request_id):
            raise ValueError(f"Invalid MoMo requestId: {self.request_id!r}")
        if not momo_amount_ok(self.amount):
            raise ValueError(f"captureWallet amounts are 1,000-50,000,000 VND, got {self.amount!r}")
        if not 0 < len(self.order_info) <= ORDER_INFO_MAX:
            raise ValueError("orderInfo is 1-200 characters.")
        if self.lang not in ("vi", "en"):
            raise ValueError(f"lang is vi or en, got {self.lang!r}")

    def body(self, *, access_key: str, secret_key: str) -> dict[str, object]:
        """The signed JSON body for POST /v2/gateway/api/create."""
        body: dict[str, object] = {
            "partnerCode": self.partner_code, "requestId": self.request_id, "amount": self.amount,
            "orderId": self.order_id, "orderInfo": self.order_info, "redirectUrl": self.redirect_url,
            "ipnUrl": self.ipn_url, "requestType": CAPTURE_WALLET, "extraData": self.extra_data,
            "lang": self.lang,
        }
        return signed(CREATE_FIELDS, body, access_key=access_key, secret_key=secret_key)


def query_body(*, partner_code: str, request_id: str, order_id: str, access_key: str, secret_key: str,
               lang: str = "vi") -> dict[str, object]:
    """The signed JSON body for POST /v2/gateway/api/query."""
    body = {"partnerCode": partner_code, "requestId": request_id, "orderId": order_id, "lang": lang}
    return signed(QUERY_FIELDS, body, access_key=access_key, secret_key=secret_key)


def refund_body(*, partner_code: str, request_id: str, order_id: str, amount: int, trans_id: int,
                description: str, access_key: str, secret_key: str, lang: str = "vi") -> dict[str, object]:
    """The signed JSON body for POST /v2/gateway/api/refund; order_id is a new id, not the purchase's."""
    if not order_id_ok(order_id):
        raise ValueError(f"Invalid MoMo orderId: {order_id!r}")
    if not momo_amount_ok(amount, refund=True):
        raise ValueError(f"MoMo refunds are at least 1,000 VND, got {amount!r}")
    body: dict[str, object] = {
        "partnerCode": partner_code, "orderId": order_id, "requestId": request_id, "amount": amount,
        "transId": trans_id, "lang": lang, "description": description,
    }
    return signed(REFUND_FIELDS, body, access_key=access_key, secret_key=secret_key)
