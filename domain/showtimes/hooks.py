"""What happens after a showtime is cancelled.

The cancellation itself is recorded on the showtime row in the same transaction (status Cancelled,
cancelled_at, cancelled_by, cancel_reason) and every unsold seat is Blocked, so nothing more can be
sold. After the commit the route logs it here and starts a full-refund CancellationWorkflow for every
booking (api/sagas.py `refund_showtime_bookings`).
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from pydantic import BaseModel

log = logging.getLogger("cinema.showtimes")


class ShowtimeCancelled(BaseModel):
    """A showtime was cancelled; `booking_ids` are the bookings whose seats were sold (to refund)."""

    showtime_id: uuid.UUID
    movie_id: uuid.UUID
    start_time: datetime
    cancelled_at: datetime
    cancelled_by: uuid.UUID
    reason: str | None
    held_seats: int  # seats of unfinished bookings; their holds are void, the booking saga must not confirm
    booked_seat_ids: list[uuid.UUID]
    booking_ids: list[uuid.UUID]

    @property
    def needs_refunds(self) -> bool:
        return bool(self.booked_seat_ids)


async def on_showtime_cancelled(event: ShowtimeCancelled) -> None:
    """Log the cancellation (run after the commit); the refunds are started by the route."""
    if event.needs_refunds:
        log.warning(
            "showtime %s cancelled with %d sold seats in %d bookings: refunding them in full; reason: %s",
            event.showtime_id,
            len(event.booked_seat_ids),
            len(event.booking_ids),
            event.reason,
        )
    else:
        log.info("showtime %s cancelled with no sold seats", event.showtime_id)
