"""What each service does when another service's event arrives (consumer groups, infra/events/consumer.py).

A handler runs inside the consuming service's transaction, once per event; one that starts or signals a
Temporal workflow does it with an id derived from the event's subject, so a second delivery is harmless,
and turns "Temporal is not reachable" into RetryLater, so the event waits instead of being lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.contracts.queues import TaskQueue
from infra.events.consumer import RetryLater

_GONE = (RPCStatusCode.NOT_FOUND,)


@asynccontextmanager
async def temporal_call(what: str, *, missing_ok: bool = False) -> AsyncIterator[None]:
    """Temporal down or slow → RetryLater; already started → done; NOT_FOUND → done when `missing_ok`."""
    try:
        yield
    except WorkflowAlreadyStartedError:
        return
    except RPCError as error:
        if missing_ok and error.status in _GONE:
            return
        if error.status in (RPCStatusCode.INVALID_ARGUMENT, RPCStatusCode.FAILED_PRECONDITION):
            raise
        raise RetryLater(f"{what}: {error}") from error
    except (TimeoutError, RuntimeError) as error:  # RuntimeError: the lazy client could not connect
        raise RetryLater(f"{what}: {error!r}") from error


RPC_TIMEOUT = timedelta(seconds=5)


async def set_timers(temporal: Client, run: Any, times: BaseModel, workflow_id: str, queue: TaskQueue) -> None:
    """Signal-with-start a lifecycle timer workflow: start it, or give the running one these times (one still
    running on the legacy queue stays there). Its id comes from its row, so a second delivery is harmless."""
    async with temporal_call(f"scheduling {workflow_id}"):
        await temporal.start_workflow(run, times, id=workflow_id, task_queue=queue,
                                      start_signal="reschedule", start_signal_args=[times], rpc_timeout=RPC_TIMEOUT)


async def stop_timers(temporal: Client, run: Any, stop: Any, workflow_id: str) -> None:
    """Tell a lifecycle timer workflow to stop (none running is fine)."""
    async with temporal_call(f"stopping {workflow_id}", missing_ok=True):
        await temporal.get_workflow_handle_for(run, workflow_id).signal(stop, rpc_timeout=RPC_TIMEOUT)
