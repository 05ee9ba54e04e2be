"""The showtimes service keeps each showtime's lifecycle timer workflow (`showtime-lifecycle-{id}`) in step
with the showtime (the lifecycle sweep, a Temporal Schedule, stays the safety net), and its cached seat map:
a moved, repriced or cancelled showtime's map is built afresh on the next read."""

from __future__ import annotations

import uuid

from redis.asyncio import Redis
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from domain.contracts.events import EventEnvelope, ShowtimeCancelled, ShowtimeRepriced, ShowtimeTimesChanged, Topic
from domain.contracts.queues import TaskQueue
from domain.contracts.workflow_ids import showtime_lifecycle_workflow_id
from domain.showtimes import service as showtimes_service
from domain.showtimes.lifecycle import ShowtimeTimes
from infra import seat_map_events
from infra.events.consumer import Subscription
from workers.subscribers import set_timers, stop_timers
from workflows.showtime_lifecycle import ShowtimeLifecycleWorkflow


async def schedule_showtime_lifecycle(temporal: Client, times: ShowtimeTimes) -> None:
    await set_timers(temporal, ShowtimeLifecycleWorkflow.run, times,
                     showtime_lifecycle_workflow_id(times.showtime_id), TaskQueue.SHOWTIMES)


async def end_showtime_lifecycle(temporal: Client, showtime_id: uuid.UUID) -> None:
    await stop_timers(temporal, ShowtimeLifecycleWorkflow.run, ShowtimeLifecycleWorkflow.cancel,
                      showtime_lifecycle_workflow_id(showtime_id))


def lifecycle_timers(temporal: Client) -> Subscription:
    """The timer follows the showtime as it is now (not as the event saw it), so events that arrive late or
    twice never set it back."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, ShowtimeTimesChanged | ShowtimeCancelled)
        times = await showtimes_service.lifecycle_times(session, showtime_id=data.showtime_id)
        if times is None:
            await end_showtime_lifecycle(temporal, data.showtime_id)
        else:
            await schedule_showtime_lifecycle(temporal, times)

    return Subscription(group="showtimes.lifecycle-timers", schema="showtimes", handle=handle, topics=(
        Topic.SHOWTIME_SCHEDULED, Topic.SHOWTIME_RESCHEDULED, Topic.SHOWTIME_CANCELLED))


def seat_maps(redis: Redis) -> Subscription:
    """The cached seat map (infra/seat_map_events.py) is stale once a change to the showtime itself commits."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, ShowtimeTimesChanged | ShowtimeRepriced | ShowtimeCancelled)
        await seat_map_events.invalidate(redis, showtime_id=data.showtime_id)

    return Subscription(group="showtimes.seat-maps", schema="showtimes", handle=handle, topics=(
        Topic.SHOWTIME_RESCHEDULED, Topic.SHOWTIME_REPRICED, Topic.SHOWTIME_CANCELLED))
