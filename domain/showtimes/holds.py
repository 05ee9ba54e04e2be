"""The booking saga's first step and its compensation, each one transaction of the showtimes service.

`hold` claims the seats (all or none, seat_claims.claim) and records saga.started; `release` frees what
the booking still holds and records the saga's compensated end (the first step's undo runs last). The API
calls `hold` at the edge, so a losing attempt never reaches Temporal; the saga calls `release`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import Topic
from domain.shared.saga_events import saga_completed, saga_started, saga_step
from domain.showtimes import seat_claims
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import SeatLine

SERVICE = "showtimes"


async def hold(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, showtime_id: uuid.UUID,
               seat_ids: Sequence[uuid.UUID], until: datetime, now: datetime, max_seats: int,
               policy: PricingPolicy, orphan_rule: bool = True) -> list[SeatLine]:
    """Hold the seats for the booking until `until` and start its saga's record; safe to run twice."""
    seats = await seat_claims.claim(session, showtime_id=showtime_id, seat_ids=seat_ids, booking_id=booking_id,
                                    user_id=user_id, until=until, now=now, max_seats=max_seats,
                                    orphan_rule=orphan_rule, policy=policy)
    await saga_started(session, saga_id=booking_id, user_id=user_id, showtime_id=showtime_id, service=SERVICE)
    return seats


async def release(session: AsyncSession, *, booking_id: uuid.UUID, showtime_id: uuid.UUID) -> list[uuid.UUID]:
    """Free the booking's held seats (returned; nothing held is fine) and record the saga's compensated end."""
    freed = await seat_claims.release(session, showtime_id=showtime_id, booking_id=booking_id)
    await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=booking_id, step="release_seats", service=SERVICE)
    await saga_completed(session, saga_id=booking_id, outcome="COMPENSATED", service=SERVICE)
    return freed
