"""How activities report expected business failures to workflows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from temporalio.exceptions import ApplicationError

from domain.contracts.events import Topic
from domain.shared.errors import DomainError
from domain.shared.saga_events import saga_step
from infra.db import SessionMaker, unit_of_work


@contextmanager
def as_application_error() -> Iterator[None]:
    """A DomainError becomes a non-retryable ApplicationError typed with its code (e.g. SEATS_UNAVAILABLE),
    carrying its HTTP status and details, so the workflow and the API can answer precisely. Anything else
    stays retryable: Temporal retries the activity."""
    try:
        yield
    except DomainError as e:
        raise ApplicationError(e.message, {"status": e.status_code, "details": e.details}, type=e.code,
                               non_retryable=True) from e


@asynccontextmanager
async def refused_step(sessionmaker: SessionMaker, *, saga_id: uuid.UUID, step: str,
                       service: str) -> AsyncIterator[None]:
    """Like as_application_error, and the refusal is recorded as saga.step.failed (in a transaction of its
    own: the step's transaction rolled back)."""
    try:
        yield
    except DomainError as e:
        async with unit_of_work(sessionmaker) as session:
            await saga_step(session, Topic.SAGA_STEP_FAILED, saga_id=saga_id, step=step, service=service,
                            error=e.code)
        raise ApplicationError(e.message, {"status": e.status_code, "details": e.details}, type=e.code,
                               non_retryable=True) from e
