"""How many seat holds one customer may keep at once: a rule of the showtimes service.

Without a cap one account can hold a whole theater for free, again and again (issue 11). A customer keeps
at most `per_showtime` live holds on one showtime and `overall` across all showtimes; a repeated request
for a hold the customer already has (the same booking) is not a new hold. Staff selling at the counter
hold seats for many walk-in customers, so the caps apply to customers only (`HoldLimits.for_staff()`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from domain.shared.errors import Conflict


class HoldLimitReached(Conflict):
    code = "HOLD_LIMIT_REACHED"


@dataclass(frozen=True)
class LiveHold:
    booking_id: uuid.UUID
    showtime_id: uuid.UUID


@dataclass(frozen=True)
class HoldLimits:
    per_showtime: int | None = 1
    overall: int | None = 3

    @classmethod
    def for_staff(cls) -> HoldLimits:
        return cls(per_showtime=None, overall=None)

    @property
    def unlimited(self) -> bool:
        return self.per_showtime is None and self.overall is None


def check_hold_limits(live: Sequence[LiveHold], *, booking_id: uuid.UUID, showtime_id: uuid.UUID,
                      limits: HoldLimits) -> None:
    """Refuse a new hold when the customer's other live holds already reach a cap."""
    others = [hold for hold in live if hold.booking_id != booking_id]
    if len(others) < len(live):
        return  # this booking already holds seats: the same hold asked for again
    here = [hold for hold in others if hold.showtime_id == showtime_id]
    if limits.per_showtime is not None and len(here) >= limits.per_showtime:
        raise HoldLimitReached(
            "You already hold seats for this showtime: pay for them or give them back before holding others.",
            {"limit": limits.per_showtime, "bookingIds": [str(hold.booking_id) for hold in here]})
    if limits.overall is not None and len(others) >= limits.overall:
        raise HoldLimitReached(
            f"You already hold seats in {len(others)} bookings: pay for one or give one back first.",
            {"limit": limits.overall, "bookingIds": [str(hold.booking_id) for hold in others]})
