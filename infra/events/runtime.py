"""Runs the outbox relay and the event consumers beside the Temporal workers (workers/main.py, tests)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from infra.db import SessionMaker
from infra.events.consumer import EventConsumer, Subscription
from infra.events.relay import OutboxRelay
from infra.settings import EventSettings

log = logging.getLogger("cinema.events")


class EventRuntime:
    def __init__(self, engine: AsyncEngine, sessionmaker: SessionMaker, redis: Redis, settings: EventSettings,
                 subscriptions: Sequence[Subscription], *, relay: bool = True) -> None:
        self.relay = OutboxRelay(engine, redis, settings) if relay else None
        self.consumers = [EventConsumer(sessionmaker, redis, sub, settings) for sub in subscriptions]
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        runners = [self.relay.run] if self.relay else []
        runners += [consumer.run for consumer in self.consumers]
        self._tasks = [asyncio.create_task(run(self._stop)) for run in runners]
        log.info("events: relay %s, %d consumer groups", "on" if self.relay else "off", len(self.consumers))

    async def stop(self, timeout: float = 5) -> None:
        """Stop after the current batch; a consumer stopped mid-event leaves it pending for the next one."""
        self._stop.set()
        if not self._tasks:
            return
        _, pending = await asyncio.wait(self._tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
