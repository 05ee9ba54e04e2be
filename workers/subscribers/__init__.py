"""What each service does when another service's event arrives (consumer groups, infra/events/consumer.py).

A handler runs inside the consuming service's transaction, once per event; one that starts or signals a
Temporal workflow does it with an id derived from the event's subject, so a second delivery is harmless,
and turns "Temporal is not reachable" into RetryLater, so the event waits instead of being lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

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
