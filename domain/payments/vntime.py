"""Vietnam time (GMT+7, no DST) in the formats the gateways use. The caller always passes the instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

GMT7 = timezone(timedelta(hours=7), "GMT+7")
COMPACT_FORMAT = "%Y%m%d%H%M%S"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_gmt7(moment: datetime) -> datetime:
    """The same instant on the GMT+7 wall clock; naive datetimes are refused as ambiguous."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Pass a timezone-aware datetime.")
    return moment.astimezone(GMT7)


def compact_timestamp(moment: datetime) -> str:
    """yyyyMMddHHmmss on the GMT+7 wall clock (VNPay CreateDate, ExpireDate, PayDate)."""
    return to_gmt7(moment).strftime(COMPACT_FORMAT)


def parse_compact_timestamp(text: str) -> datetime:
    """Read a GMT+7 yyyyMMddHHmmss string back into an aware datetime."""
    if len(text) != 14 or not text.isascii() or not text.isdigit():
        raise ValueError(f"Not a yyyyMMddHHmmss timestamp: {text!r}")
    return datetime.strptime(text, COMPACT_FORMAT).replace(tzinfo=GMT7)


def yymmdd(moment: datetime) -> str:
    """The GMT+7 date as yymmdd (ZaloPay app_trans_id and m_refund_id prefix)."""
    return to_gmt7(moment).strftime("%y%m%d")


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the Unix epoch (ZaloPay app_time and timestamp, MoMo responseTime)."""
    return (to_gmt7(moment) - EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    """An epoch-milliseconds value as an aware UTC datetime."""
    return EPOCH + timedelta(milliseconds=ms)
