"""Bare Temporal baselines (BRIEF §7), served by a worker in the benchmark's process on the same server:
a workflow of 7 sequential activities (the saga's shape) and an update-with-start that runs one activity
(the shape of a hold that asked Temporal first). The activities do nothing: what is left is Temporal's cost.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.worker import Worker

QUEUE = "bench-bare"
STEPS = 7
STEP = dict(start_to_close_timeout=timedelta(seconds=30))


@activity.defn
async def bare_step(n: int) -> int:
    return n + 1


@workflow.defn
class BareSaga:
    @workflow.run
    async def run(self) -> int:
        n = 0
        for _ in range(STEPS):
            n = await workflow.execute_activity(bare_step, n, **STEP)  # type: ignore[arg-type]
        return n


@workflow.defn
class BareHold:
    def __init__(self) -> None:
        self._held = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self._held)

    @workflow.update
    async def hold(self) -> int:
        n = await workflow.execute_activity(bare_step, 0, **STEP)  # type: ignore[arg-type]
        self._held = True
        return n


@asynccontextmanager
async def bare_worker(client: Client) -> AsyncIterator[None]:
    async with Worker(client, task_queue=QUEUE, workflows=[BareSaga, BareHold], activities=[bare_step]):
        yield


async def bare_saga(client: Client) -> float:
    """Seconds for one BareSaga from start to result."""
    started = time.perf_counter()
    await client.execute_workflow(BareSaga.run, id=f"bare-saga-{uuid.uuid4()}", task_queue=QUEUE)
    return time.perf_counter() - started


async def bare_hold(client: Client) -> float:
    """Seconds for one update-with-start whose update runs one activity."""
    start = WithStartWorkflowOperation(BareHold.run, id=f"bare-hold-{uuid.uuid4()}", task_queue=QUEUE,
                                       id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    started = time.perf_counter()
    await client.execute_update_with_start_workflow(BareHold.hold, start_workflow_operation=start)
    return time.perf_counter() - started


async def sagas_at(client: Client, total: int, concurrency: int) -> tuple[float, list[float]]:
    """(BareSagas completed per second, their durations) with `concurrency` in flight."""
    gate, durations = asyncio.Semaphore(concurrency), []

    async def one() -> None:
        async with gate:
            durations.append(await bare_saga(client))

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    return total / (time.perf_counter() - started), durations
