"""Activities of the showtimes service: the seat claim (hold, release as its compensation) and the showtime
lifecycle (Scheduled → Ongoing → Completed when its times come, the sweep, arming the timers).

Lifecycle steps are idempotent and forward-only, decided in the database with the workflow's clock
(`as_of`), so a retried or late step never moves anything backwards or early.
"""

from __future__ import annotations

from datetime import timedelta

from redis.asyncio import Redis
from temporalio import activity
from temporalio.common import WorkflowIDConflictPolicy

from activities.errors import refused_step
from domain.bookings.schemas import LockSeatsInput, ReleaseSeatsInput
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import showtime_lifecycle_workflow_id
from domain.promotions.time_promotions import ActiveTimePromotions
from domain.shared.time import utcnow
from domain.showtimes import holds
from domain.showtimes import service as showtimes_service
from domain.showtimes.lifecycle import AdvanceShowtime, ShowtimeState, SweepInput, SweepResult
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import SeatLine
from infra import seat_map_events
from infra.db import SessionMaker, unit_of_work

SERVICE = holds.SERVICE
SHOWTIME_WORKFLOW = "ShowtimeLifecycleWorkflow"


class ShowtimeActivities:
    def __init__(self, sessionmaker: SessionMaker, redis: Redis, policy: PricingPolicy,
                 promotions: ActiveTimePromotions | None = None) -> None:
        self._sessionmaker = sessionmaker
        self._redis = redis
        self._policy = policy
        self._promotions = promotions  # the time promotions as data (None: the policy's own)

    async def _priced(self) -> PricingPolicy:
        if self._promotions is None:
            return self._policy
        return self._policy.model_copy(update={"promotions": await self._promotions.get(utcnow())})

    # The seat claim (booking saga step 1) ------------------------------------------------------------
    @activity.defn
    async def lock_seats(self, input: LockSeatsInput) -> list[SeatLine]:
        """Hold the seats for the booking, all or none (one atomic UPDATE); safe to run twice. Sagas started
        before the hold moved to the API edge (api/sagas.py hold_seats) run this as their first step."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="lock_seats", service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                seats = await holds.hold(
                    session, booking_id=input.booking_id, user_id=input.user_id, showtime_id=input.showtime_id,
                    seat_ids=input.seat_ids, until=input.until, now=utcnow(), max_seats=input.max_seats,
                    orphan_rule=input.orphan_rule, policy=await self._priced())
        await seat_map_events.publish(self._redis, showtime_id=input.showtime_id, status="Locked",
                                      seat_ids=input.seat_ids)
        return seats

    @activity.defn
    async def release_seats(self, input: ReleaseSeatsInput) -> int:
        """Compensates the hold: free what the booking still holds (nothing held is fine)."""
        async with unit_of_work(self._sessionmaker) as session:
            freed = await holds.release(session, booking_id=input.booking_id, showtime_id=input.showtime_id)
        if freed:
            await seat_map_events.publish(self._redis, showtime_id=input.showtime_id, status="Available",
                                          seat_ids=freed)
        return len(freed)

    # The showtime lifecycle --------------------------------------------------------------------------
    @activity.defn
    async def advance_showtime_status(self, step: AdvanceShowtime) -> ShowtimeState:
        """Set the status the showtime's own times make due at `as_of`; report the row as it now is."""
        async with unit_of_work(self._sessionmaker) as session:
            return await showtimes_service.advance_showtime(
                session, showtime_id=step.showtime_id, as_of=step.as_of
            )

    @activity.defn
    async def sweep_showtimes(self, sweep: SweepInput) -> SweepResult:
        """Move every overdue showtime forward (rows whose timer never ran, e.g. seeded ones)."""
        async with unit_of_work(self._sessionmaker) as session:
            started, completed = await showtimes_service.sweep_showtimes(session, as_of=sweep.as_of)
        return SweepResult(showtimes_started=started, showtimes_completed=completed)

    @activity.defn
    async def arm_showtime_timers(self, sweep: SweepInput) -> SweepResult:
        """Make sure every showtime with a transition due within the horizon has its timer workflow."""
        async with unit_of_work(self._sessionmaker) as session:
            due = await showtimes_service.showtimes_due_before(
                session, as_of=sweep.as_of, until=sweep.as_of + sweep.horizon
            )
        client = activity.client()
        for times in due:
            # USE_EXISTING: a running timer is left alone (also one still on the legacy queue), so arming
            # twice is harmless.
            await client.start_workflow(
                SHOWTIME_WORKFLOW,
                times,
                id=showtime_lifecycle_workflow_id(times.showtime_id),
                task_queue=TaskQueue.SHOWTIMES,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                rpc_timeout=timedelta(seconds=10),
            )
        return SweepResult(timers_armed=len(due))
