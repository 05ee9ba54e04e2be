"""The booking saga's first step and its compensation, each one transaction of the showtimes service.

`hold` checks the customer's hold caps (hold_limits), claims the seats (all or none, seat_claims.claim) and
records saga.started; `release` frees what
the booking still holds and records the saga's compensated end (the first step's undo runs last). The API
calls `hold` at the edge, so a losing attempt never reaches Temporal; the saga calls `release`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import Topic
from domain.shared.saga_events import saga_completed, saga_started, saga_step
from domain.showtimes import seat_claims
from domain.showtimes.hold_limits import HoldLimits, LiveHold, check_hold_limits
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import SeatLine

SERVICE = "showtimes"

# One customer's holds are taken one at a time, so parallel requests cannot all pass the caps together.
_ONE_HOLDER_AT_A_TIME = text("SELECT pg_advisory_xact_lock(hashtextextended('hold:' || :user_id, 0))")

_LIVE_HOLDS = text("""
SELECT DISTINCT booking_id, showtime_id FROM showtimes.showtime_seat
 WHERE locked_by = :user_id AND status = 'Locked' AND locked_until > :now AND booking_id IS NOT NULL
""")


async def hold(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, showtime_id: uuid.UUID,
               seat_ids: Sequence[uuid.UUID], until: datetime, now: datetime, max_seats: int,
               policy: PricingPolicy, orphan_rule: bool = True, limits: HoldLimits | None = None) -> list[SeatLine]:
    """Hold the seats for the booking until `until` and start its saga's record; safe to run twice.

    With `limits` the customer's hold caps are checked first (the API edge; older sagas hold without)."""
    if limits is not None and not limits.unlimited:
        await _check_limits(session, booking_id=booking_id, user_id=user_id, showtime_id=showtime_id, now=now,
                            limits=limits)
    seats = await seat_claims.claim(session, showtime_id=showtime_id, seat_ids=seat_ids, booking_id=booking_id,
                                    user_id=user_id, until=until, now=now, max_seats=max_seats,
                                    orphan_rule=orphan_rule, policy=policy)
    await saga_started(session, saga_id=booking_id, user_id=user_id, showtime_id=showtime_id, service=SERVICE)
    return seats


async def _check_limits(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID,
                        showtime_id: uuid.UUID, now: datetime, limits: HoldLimits) -> None:
    connection = await session.connection()
    await connection.execute(_ONE_HOLDER_AT_A_TIME, {"user_id": str(user_id)})
    rows = await connection.execute(_LIVE_HOLDS, {"user_id": user_id, "now": now})
    live = [LiveHold(booking_id=row.booking_id, showtime_id=row.showtime_id) for row in rows]
    check_hold_limits(live, booking_id=booking_id, showtime_id=showtime_id, limits=limits)


async def release(session: AsyncSession, *, booking_id: uuid.UUID, showtime_id: uuid.UUID) -> list[uuid.UUID]:
    """Free the booking's held seats (returned; nothing held is fine) and record the saga's compensated end."""
    freed = await seat_claims.release(session, showtime_id=showtime_id, booking_id=booking_id)
    await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=booking_id, step="release_seats", service=SERVICE)
    await saga_completed(session, saga_id=booking_id, outcome="COMPENSATED", service=SERVICE)
    return freed
