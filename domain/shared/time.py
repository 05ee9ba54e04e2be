"""Time is stored in UTC and shown in Asia/Ho_Chi_Minh (BRIEF §4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_midnight(day: date) -> datetime:
    """The first instant of a local day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
