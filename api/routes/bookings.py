"""Routes of the booking service: the API edge of BookingWorkflow (one Temporal round trip each)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, status
from temporalio.client import WithStartWorkflowOperation, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from api.deps import CurrentUser, SettingsDep, TemporalDep
from api.sagas import booking_search_attributes, refused
from domain.auth.roles import Role
from domain.bookings.schemas import BookingInput, HoldView, LockSeatsRequest, Requester, SeatSelection
from domain.shared.errors import NotFound
from workflows.booking import BookingWorkflow
from workflows.queues import TaskQueue

router = APIRouter(prefix="/bookings", tags=["bookings"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100,
                                              description="Repeat a request safely: the same key, the same answer")]


def workflow_id(booking_id: uuid.UUID) -> str:
    return f"booking-{booking_id}"


@router.post("/lock-seats", status_code=status.HTTP_201_CREATED, response_model=HoldView,
             summary="Hold seats for 15 minutes; 409 names the seats already taken",
             responses={409: {"description": "Seats taken (SEATS_UNAVAILABLE) or a lone seat left (ORPHAN_SEAT)"}})
async def lock_seats(body: LockSeatsRequest, user: CurrentUser, temporal: TemporalDep, settings: SettingsDep,
                     idempotency_key: IdempotencyKey = None) -> HoldView:
    """Starts the booking saga with update-with-start and answers once the seats are held (or refused)."""
    booking_id = (uuid.uuid5(uuid.NAMESPACE_URL, f"cinema:lock:{user.user_id}:{idempotency_key}")
                  if idempotency_key else uuid.uuid4())
    start = WithStartWorkflowOperation(
        BookingWorkflow.run,
        BookingInput(booking_id=booking_id, user_id=user.user_id, showtime_id=body.showtime_id,
                     hold_seconds=settings.seat_hold_seconds, max_seats=settings.max_seats_per_booking),
        id=workflow_id(booking_id), task_queue=TaskQueue.BOOKINGS,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=booking_search_attributes(booking_id=booking_id, user_id=user.user_id,
                                                    showtime_id=body.showtime_id),
    )
    try:
        return await temporal.execute_update_with_start_workflow(
            BookingWorkflow.lock_seats, SeatSelection(seat_ids=body.seat_ids), start_workflow_operation=start)
    except WorkflowUpdateFailedError as e:
        raise refused(e) from e


@router.delete("/{booking_id}/hold", status_code=status.HTTP_204_NO_CONTENT,
               summary="Give held seats back before paying (the owner, or Staff)")
async def release_hold(booking_id: uuid.UUID, user: CurrentUser, temporal: TemporalDep) -> None:
    handle = temporal.get_workflow_handle_for(BookingWorkflow.run, workflow_id(booking_id))
    try:
        await handle.execute_update(BookingWorkflow.release_hold,
                                    Requester(user_id=user.user_id, is_staff=user.role.at_least(Role.STAFF)))
    except WorkflowUpdateFailedError as e:
        raise refused(e) from e
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            raise NotFound("No such booking.") from e
        raise
