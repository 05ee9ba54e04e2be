"""Talking to saga workflows from the API: starting them and turning their refusals into HTTP errors."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WithStartWorkflowOperation, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.bookings.schemas import CancellationInput, CancellationPlan, CancelRequest
from domain.contracts.queues import TaskQueue
from domain.contracts.saga_states import SagaState
from domain.contracts.workflow_ids import cancellation_workflow_id
from domain.shared.errors import DomainError, NotFound
from workflows.cancellation import CancellationWorkflow
from workflows.search_attributes import BOOKING_ID, SAGA_STATE, SHOWTIME_ID, USER_ID


class SagaRefused(DomainError):
    """A workflow step refused the request (seats taken, orphan seat, voucher used up, ...)."""

    def __init__(self, code: str, message: str, status: int, details: Any) -> None:
        super().__init__(message, details)
        self.code = code  # type: ignore[misc]
        self.status_code = status  # type: ignore[misc]


def refused(error: WorkflowUpdateFailedError) -> DomainError:
    """The HTTP error for a failed update: the ApplicationError raised by the workflow names it."""
    cause = error.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.cause
    if cause is None or not cause.type:
        return SagaRefused("SAGA_FAILED", "The request could not be completed.", 409, None)
    extra = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
    return SagaRefused(cause.type, cause.message, int(extra.get("status", 409)), extra.get("details"))


def booking_search_attributes(*, booking_id: uuid.UUID, user_id: uuid.UUID,
                              showtime_id: uuid.UUID) -> TypedSearchAttributes:
    """How operators find a booking's saga in the Temporal UI."""
    return TypedSearchAttributes([
        SearchAttributePair(BOOKING_ID, str(booking_id)), SearchAttributePair(USER_ID, str(user_id)),
        SearchAttributePair(SHOWTIME_ID, str(showtime_id)), SearchAttributePair(SAGA_STATE, SagaState.STARTED.value),
    ])


# A request waits at most this long for a saga's answer: with no worker running it must not hang.
ANSWER_WITHIN = timedelta(seconds=15)


class SagaBusy(DomainError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"


@asynccontextmanager
async def saga_errors() -> AsyncIterator[None]:
    """A saga's refusal becomes its HTTP error; a finished or unknown saga a 404; no answer in time a 503."""
    try:
        yield
    except WorkflowUpdateFailedError as e:
        raise refused(e) from e
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            raise NotFound("No such booking, or its hold has ended.") from e
        if e.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED):
            raise SagaBusy("The booking service did not answer in time; try again.") from e
        raise


async def update_saga(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> Any:
    """Send an update to a running saga and return its answer."""
    async with saga_errors():
        return await handle.execute_update(update, arg, rpc_timeout=ANSWER_WITHIN)


async def cancel_booking(temporal: Client, *, booking_id: uuid.UUID, request: CancelRequest) -> CancellationPlan:
    """Start (or join) the booking's CancellationWorkflow and answer with its decision."""
    start = WithStartWorkflowOperation(
        CancellationWorkflow.run, CancellationInput(booking_id=booking_id), id=cancellation_workflow_id(booking_id),
        task_queue=TaskQueue.BOOKINGS, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=TypedSearchAttributes([SearchAttributePair(BOOKING_ID, str(booking_id)),
                                                 SearchAttributePair(SAGA_STATE, SagaState.STARTED.value)]))
    async with saga_errors():
        return await temporal.execute_update_with_start_workflow(  # type: ignore[no-any-return]
            CancellationWorkflow.cancel, request, start_workflow_operation=start, rpc_timeout=ANSWER_WITHIN)
