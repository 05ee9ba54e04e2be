"""Worker process: `python -m workers.main [QUEUE ...]` serves the named task queues (default: all)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from infra.db import create_engine, make_sessionmaker
from infra.logging import configure_logging
from infra.redis import create_redis
from infra.settings import Settings, get_settings
from infra.temporal import connect_temporal
from workers.registry import QUEUES, WorkerDeps, build_worker
from workflows.queues import TaskQueue

log = logging.getLogger("cinema.worker")


async def run(settings: Settings, queues: list[TaskQueue]) -> None:
    engine = create_engine(settings.resolved_database_url)
    redis = create_redis(settings.resolved_redis_url)
    deps = WorkerDeps(sessionmaker=make_sessionmaker(engine), redis=redis, settings=settings)
    client = await connect_temporal(settings.resolved_temporal_address, settings.temporal_namespace)
    workers = [build_worker(client, queue, deps) for queue in queues]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("worker serving %s", ", ".join(queues))
    try:
        async with asyncio.TaskGroup() as group:
            for worker in workers:
                group.create_task(worker.run())
            await stop.wait()
            # Graceful: running activities finish (or time out) before the process exits.
            await asyncio.gather(*(worker.shutdown() for worker in workers))
    finally:
        await redis.aclose()
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    configure_logging()
    names = argv if argv is not None else sys.argv[1:]
    queues = [TaskQueue(name) for name in names] if names else list(QUEUES)
    asyncio.run(run(get_settings(), queues))


if __name__ == "__main__":
    main()
