"""Seat activities of the showtimes service: hold, release (the compensation), sell."""

from __future__ import annotations

from redis.asyncio import Redis
from temporalio import activity

from activities.errors import refused_step
from domain.bookings.schemas import LockSeatsInput, ReleaseSeatsInput, SeatLine
from domain.contracts.events import Topic
from domain.shared.saga_events import saga_completed, saga_started, saga_step
from domain.shared.time import utcnow
from domain.showtimes import seat_claims
from domain.showtimes.pricing import PricingPolicy
from infra import seat_map_events
from infra.db import SessionMaker, unit_of_work

SERVICE = "showtimes"


class SeatActivities:
    def __init__(self, sessionmaker: SessionMaker, redis: Redis, policy: PricingPolicy) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._policy = policy

    @activity.defn
    async def lock_seats(self, input: LockSeatsInput) -> list[SeatLine]:
        """Hold the seats for the booking, all or none (one atomic UPDATE); safe to run twice."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="lock_seats", service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                seats = await seat_claims.claim(
                    session, showtime_id=input.showtime_id, seat_ids=input.seat_ids, booking_id=input.booking_id,
                    user_id=input.user_id, until=input.until, now=utcnow(), max_seats=input.max_seats,
                    orphan_rule=input.orphan_rule, policy=self._policy)
                await saga_started(session, saga_id=input.booking_id, user_id=input.user_id,
                                   showtime_id=input.showtime_id, service=SERVICE)
        await seat_map_events.publish(self._redis, showtime_id=input.showtime_id, status="Locked",
                                      seat_ids=input.seat_ids)
        return seats

    @activity.defn
    async def release_seats(self, input: ReleaseSeatsInput) -> int:
        """Compensates lock_seats: free what the booking still holds (nothing held is fine)."""
        async with unit_of_work(self._sessionmaker) as session:
            freed = await seat_claims.release(session, showtime_id=input.showtime_id, booking_id=input.booking_id)
            # The first step's compensation runs last: the saga has ended compensated.
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="release_seats",
                            service=SERVICE)
            await saga_completed(session, saga_id=input.booking_id, outcome="COMPENSATED", service=SERVICE)
        if freed:
            await seat_map_events.publish(self._redis, showtime_id=input.showtime_id, status="Available",
                                          seat_ids=freed)
        return len(freed)
