"""Worker process: `python -m workers.main [QUEUE ...]` serves the named task queues (default: all)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from domain.contracts.queues import TaskQueue
from infra.db import create_engine, make_sessionmaker
from infra.events.runtime import EventRuntime
from infra.logging import configure_logging
from infra.redis import create_redis
from infra.settings import Settings, get_settings
from infra.temporal import connect_temporal, metrics_runtime
from workers.registry import QUEUES, WorkerDeps, build_worker, subscriptions

log = logging.getLogger("cinema.worker")


async def run(settings: Settings, queues: list[TaskQueue], *, events: bool = True) -> None:
    engine = create_engine(settings.resolved_database_url)
    redis = create_redis(settings.resolved_redis_url)
    deps = WorkerDeps(sessionmaker=make_sessionmaker(engine), redis=redis, settings=settings)
    # lazy: the relay and the consumers run (and wait) while Temporal is not reachable.
    port, sdk_runtime = settings.worker_metrics_port, None
    if port:
        try:
            sdk_runtime = metrics_runtime(port, settings.worker_metrics_host)
        except Exception as error:  # noqa: BLE001 - a taken port costs the metrics, not the worker
            log.warning("worker metrics not served on port %s: %s", port, error)
            port = None
    client = await connect_temporal(settings.resolved_temporal_address, settings.temporal_namespace,
                                    lazy=not queues, runtime=sdk_runtime)
    workers = [build_worker(client, queue, deps) for queue in queues]
    runtime = EventRuntime(engine, deps.sessionmaker, redis, settings.events, subscriptions(client, deps)) \
        if events else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker serving %s%s%s", ", ".join(queues) or "no task queue", "; events on" if runtime else "",
             f"; metrics at http://{settings.worker_metrics_host}:{port}/metrics" if port else "")
    try:
        if runtime:
            runtime.start()
        async with asyncio.TaskGroup() as group:
            for worker in workers:
                group.create_task(worker.run())
            await stop.wait()
            # Graceful: running activities finish (or time out) before the process exits.
            await asyncio.gather(*(worker.shutdown() for worker in workers))
    finally:
        if runtime:
            await runtime.stop()
        await deps.aclose()
        await redis.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    """`python -m workers.main [QUEUE ...] [--no-events | --events-only]`: the named task queues (default: all)
    and the event relay and consumers (infra/events/)."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    args = list(argv if argv is not None else sys.argv[1:])
    events_only, no_events = "--events-only" in args, "--no-events" in args
    names = [a for a in args if not a.startswith("--")]
    queues = [] if events_only else [TaskQueue(name) for name in names] if names else list(QUEUES)
    asyncio.run(run(settings, queues, events=not no_events))


if __name__ == "__main__":
    main()
