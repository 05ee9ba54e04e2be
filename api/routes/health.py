"""`/health`: each dependency's status; 503 when one is down. Its `events` section tells how far behind the
event pipeline is (unpublished outbox rows, dead letters): for operators and monitoring, it never changes
the status code, and a server it cannot reach shows there as "down"."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import PublicRoute
from domain.contracts.queues import TaskQueue
from infra.events import health as events_health
from workflows.health import HealthWorkflow

log = logging.getLogger("cinema.api.health")
router = APIRouter(tags=["health"], route_class=PublicRoute)

CHECK_TIMEOUT = 2.0


async def _check(probe: Awaitable[Any], timeout: float = CHECK_TIMEOUT) -> dict[str, Any]:
    try:
        detail = await asyncio.wait_for(probe, timeout)
    except TimeoutError:
        return {"status": "down", "error": f"No answer within {timeout:g} s."}
    except Exception:  # noqa: BLE001 - any failure means "down"; its details go to the log, not the answer
        log.warning("health check failed", exc_info=True)
        return {"status": "down", "error": "Unreachable or failing."}
    return {"status": "up", **(detail or {})}


async def _postgres(request: Request) -> None:
    async with request.state.sessionmaker() as session:
        await (await session.connection()).execute(text("SELECT 1"))


async def _redis(request: Request) -> None:
    await request.state.redis.ping()


async def _temporal(request: Request) -> None:
    await request.state.temporal.service_client.check_health()


async def _worker(request: Request) -> dict[str, Any]:
    result = await request.state.temporal.execute_workflow(
        HealthWorkflow.run, id=f"health-{uuid.uuid4()}", task_queue=TaskQueue.SYSTEM,
        execution_timeout=timedelta(seconds=5),
    )
    return {"answeredBy": result.worker}


async def _relay(request: Request) -> dict[str, Any]:
    async with request.state.sessionmaker() as session:
        lags = await events_health.relay_lag(await session.connection())
    ages = [lag.oldest_age for lag in lags if lag.oldest_age is not None]
    return {"unpublished": sum(lag.unpublished for lag in lags), "oldestAgeSeconds": max(ages, default=None)}


async def _dead_letters(request: Request) -> dict[str, Any]:
    return {"count": await events_health.dead_letter_count(request.state.redis)}


@router.get("/health", summary="Status of the API and each dependency")
async def health(request: Request, deep: bool = False) -> JSONResponse:
    """`?deep=true` also runs a workflow through a worker (API → Temporal → worker → activity)."""
    checks = {"postgres": _postgres(request), "redis": _redis(request), "temporal": _temporal(request)}
    if deep:
        checks["worker"] = _worker(request)
    timeouts = {"worker": 6.0}
    events = {"relay": _relay(request), "deadLetters": _dead_letters(request)}
    results = await asyncio.gather(*(_check(probe, timeouts.get(name, CHECK_TIMEOUT))
                                     for name, probe in checks.items()),
                                   *(_check(probe) for probe in events.values()))
    dependencies = dict(zip(checks, results[:len(checks)], strict=True))
    healthy = all(r["status"] == "up" for r in dependencies.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", "dependencies": dependencies,
                         "events": dict(zip(events, results[len(checks):], strict=True))},
                        status_code=200 if healthy else 503)
