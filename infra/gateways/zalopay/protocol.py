"""ZaloPay Open API v2: app_trans_id and m_refund_id formats, key1 request MACs, key2 callback MACs."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from domain.payments.money import zalopay_amount_ok
from domain.payments.signing import hmac_sha256_hex, macs_equal
from domain.payments.vntime import epoch_ms, yymmdd

CREATE_PATH, QUERY_PATH = "/v2/create", "/v2/query"
REFUND_PATH, QUERY_REFUND_PATH = "/v2/refund", "/v2/query_refund"
APP_TIME_TOLERANCE = timedelta(minutes=15)
EXPIRE_SECONDS_MIN, EXPIRE_SECONDS_MAX = 300, 2_592_000
REDIRECT_FIELDS = ("appid", "apptransid", "pmcid", "bankcode", "amount", "discountamount", "status")
_APP_TRANS_ID = re.compile(r"\d{6}.{0,34}", re.DOTALL)


def _pipe(*values: object) -> str:
    for value in values:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise TypeError(f"Signed ZaloPay values are strings or integers, got {value!r}")
    return "|".join(str(v) for v in values)


def sign(data: str, key: str) -> str:
    """HMAC-SHA256 of data keyed by key1 or key2, lowercase hex."""
    return hmac_sha256_hex(key, data)


def to_json(value: Any) -> str:
    """Compact JSON for item and embed_data: serialize once, then send and sign that same string."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def app_trans_id(order_id: str, at: datetime) -> str:
    """yymmdd_<order_id>, the date being at's GMT+7 date; at most 40 characters."""
    value = f"{yymmdd(at)}_{order_id}"
    if not order_id or len(value) > 40:
        raise ValueError(f"app_trans_id must be 8-40 characters: {value!r}")
    return value


def app_trans_id_is_current(value: str, now: datetime) -> bool:
    """Whether app_trans_id starts with now's GMT+7 yymmdd, as ZaloPay requires on create."""
    return value.startswith(yymmdd(now))


def app_time_is_fresh(app_time: int, now: datetime, tolerance: timedelta = APP_TIME_TOLERANCE) -> bool:
    """Whether app_time (epoch ms) is within tolerance of now."""
    return abs(app_time - epoch_ms(now)) <= tolerance // timedelta(milliseconds=1)


def zp_trans_id(at: datetime, serial: int) -> int:
    """A simulator zp_trans_id: at's GMT+7 yymmdd followed by a 9-digit serial."""
    if not 0 <= serial <= 999_999_999:
        raise ValueError(f"serial must fit 9 digits, got {serial}")
    return int(f"{yymmdd(at)}{serial:09d}")


def m_refund_id(app_id: int, suffix: str, at: datetime) -> str:
    """yymmdd_appid_suffix, the date being at's GMT+7 date; must be unique."""
    if not suffix:
        raise ValueError("m_refund_id needs a non-empty suffix.")
    return f"{yymmdd(at)}_{app_id}_{suffix}"


@dataclass(frozen=True)
class CreateOrder:
    """A /v2/create request; item and embed_data are the exact JSON strings that are sent."""

    app_id: int
    app_user: str
    app_trans_id: str
    app_time: int
    amount: int
    description: str
    item: str = "[]"
    embed_data: str = "{}"
    bank_code: str = ""
    callback_url: str | None = None
    expire_duration_seconds: int | None = None

    def __post_init__(self) -> None:
        if not _APP_TRANS_ID.fullmatch(self.app_trans_id):
            raise ValueError(f"app_trans_id is yymmdd then at most 34 chars: {self.app_trans_id!r}")
        if not 0 < len(self.app_user) <= 50 or not 0 < len(self.description) <= 256:
            raise ValueError("app_user is 1-50 characters and description 1-256.")
        if not zalopay_amount_ok(self.amount):
            raise ValueError(f"amount must be a positive integer, got {self.amount!r}")
        if len(self.item) > 2048 or not isinstance(json.loads(self.item), list):
            raise ValueError("item must be a JSON array string of at most 2048 characters.")
        if len(self.embed_data) > 1024 or not isinstance(json.loads(self.embed_data), dict):
            raise ValueError("embed_data must be a JSON object string of at most 1024 characters.")
        seconds = self.expire_duration_seconds
        if seconds is not None and not EXPIRE_SECONDS_MIN <= seconds <= EXPIRE_SECONDS_MAX:
            raise ValueError(f"expire_duration_seconds is 300-2,592,000, got {seconds}")

    def mac_data(self) -> str:
        """app_id|app_trans_id|app_user|amount|app_time|embed_data|item."""
        return _pipe(self.app_id, self.app_trans_id, self.app_user, self.amount, self.app_time,
                     self.embed_data, self.item)

    def body(self, key1: str) -> dict[str, object]:
        """The request fields with the key1 mac; unset optional fields are left out."""
        body: dict[str, object] = {
            "app_id": self.app_id, "app_user": self.app_user, "app_trans_id": self.app_trans_id,
            "app_time": self.app_time, "amount": self.amount, "item": self.item,
            "embed_data": self.embed_data, "description": self.description, "bank_code": self.bank_code,
        }
        if self.callback_url:
            body["callback_url"] = self.callback_url
        if self.expire_duration_seconds is not None:
            body["expire_duration_seconds"] = self.expire_duration_seconds
        return {**body, "mac": sign(self.mac_data(), key1)}


def verify_create(body: Mapping[str, object], key1: str) -> bool:
    """Simulator side: whether a received create body's mac matches (missing or mistyped fields fail)."""
    try:
        data = _pipe(*(body[f] for f in ("app_id", "app_trans_id", "app_user", "amount", "app_time",
                                          "embed_data", "item")))
    except (KeyError, TypeError):
        return False
    return macs_equal(sign(data, key1), body.get("mac"))


def callback_body(data: str, key2: str, *, type_: int = 1) -> dict[str, object]:
    """Simulator side: the callback POST body; data is the exact JSON string that is signed."""
    return {"data": data, "mac": sign(data, key2), "type": type_}


def parse_callback(body: Mapping[str, object], key2: str) -> dict[str, Any] | None:
    """The callback's data fields if its mac matches the exact data string received, else None."""
    data = body.get("data")
    if not isinstance(data, str) or not macs_equal(sign(data, key2), body.get("mac")):
        return None
    return json.loads(data)


class CallbackReply(Enum):
    """return_code values a merchant answers a callback with; ZaloPay retries (at most 3 times) on 0."""

    SUCCESS = 1
    DUPLICATE = 2
    RETRY = 0
    MAC_MISMATCH = -1

    def body(self) -> dict[str, object]:
        """The JSON reply, sent with HTTP 200."""
        return {"return_code": self.value, "return_message": _REPLY_MESSAGES[self]}


_REPLY_MESSAGES = {CallbackReply.SUCCESS: "success", CallbackReply.DUPLICATE: "already processed",
                   CallbackReply.RETRY: "retry", CallbackReply.MAC_MISMATCH: "mac not equal"}


def redirect_checksum(params: Mapping[str, object], key2: str) -> str:
    """key2 checksum over appid|apptransid|pmcid|bankcode|amount|discountamount|status."""
    return sign(_pipe(*(params[f] for f in REDIRECT_FIELDS)), key2)


def verify_redirect(params: Mapping[str, object], key2: str) -> bool:
    """Whether a redirect query's checksum matches (display only: the callback or query is the truth)."""
    try:
        expected = redirect_checksum(params, key2)
    except (KeyError, TypeError):
        return False
    return macs_equal(expected, params.get("checksum"))


def query_mac(app_id: int, app_trans_id: str, key1: str) -> str:
    """/v2/query mac: key1 over app_id|app_trans_id|key1 (key1 is also inside the data)."""
    return sign(_pipe(app_id, app_trans_id, key1), key1)


def refund_mac(*, app_id: int, zp_trans_id: str | int, amount: int, description: str, timestamp: int,
               key1: str, refund_fee_amount: int | None = None) -> str:
    """/v2/refund mac: app_id|zp_trans_id|amount[|refund_fee_amount]|description|timestamp."""
    fee = () if refund_fee_amount is None else (refund_fee_amount,)
    return sign(_pipe(app_id, zp_trans_id, amount, *fee, description, timestamp), key1)


def query_refund_mac(app_id: int, m_refund_id: str, timestamp: int, key1: str) -> str:
    """/v2/query_refund mac: app_id|m_refund_id|timestamp."""
    return sign(_pipe(app_id, m_refund_id, timestamp), key1)
