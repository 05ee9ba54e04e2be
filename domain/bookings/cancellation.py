"""The cancellation policy: how much of a paid booking is refunded, decided by time to the show. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.shared.errors import Conflict, InvalidInput


class CancellationClosed(Conflict):
    code = "CANCELLATION_CLOSED"


class OverrideNeedsReason(InvalidInput):
    code = "OVERRIDE_NEEDS_REASON"


class BookingCheckedIn(Conflict):
    code = "BOOKING_CHECKED_IN"


def ensure_not_checked_in(checked_in_at: datetime | None) -> None:
    """A ticket used at the door is not cancelled: its seat is occupied and must not be sold again."""
    if checked_in_at is not None:
        raise BookingCheckedIn("The ticket has been used at the door; the booking can no longer be cancelled.",
                               {"checkedInAt": checked_in_at.isoformat()})


@dataclass(frozen=True)
class RefundTier:
    """Cancelling at least `before` ahead of the show refunds `percent` of what was paid."""

    before: timedelta
    percent: int


DEFAULT_TIERS = (RefundTier(timedelta(hours=24), 100), RefundTier(timedelta(hours=2), 50))


@dataclass(frozen=True)
class RefundDecision:
    percent: int
    amount: int
    rule: str


def refund_for_cancellation(*, paid: int, show_starts_at: datetime, now: datetime,
                            tiers: tuple[RefundTier, ...] = DEFAULT_TIERS) -> RefundDecision:
    """The customer's refund: the best tier reached (e.g. 100% up to 24 h before, 50% up to 2 h, else 0)."""
    if now >= show_starts_at:
        raise CancellationClosed("The show has started; the booking can no longer be cancelled.")
    ahead = show_starts_at - now
    for tier in sorted(tiers, key=lambda t: t.before, reverse=True):
        if ahead >= tier.before:
            return RefundDecision(tier.percent, paid * tier.percent // 100, f"{tier.percent}% ≥ {_hours(tier.before)}")
    return RefundDecision(0, 0, "no refund this close to the show")


def staff_override(*, paid: int, percent: int, reason: str) -> RefundDecision:
    """Staff or a Manager decide the refund themselves; the reason is kept with the booking."""
    if not reason.strip():
        raise OverrideNeedsReason("An override needs a reason.")
    if not 0 <= percent <= 100:
        raise InvalidInput("The refund percentage must be between 0 and 100.")
    return RefundDecision(percent, paid * percent // 100, f"override: {reason.strip()}")


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:g} h before"
