"""BookingWorkflow on the real Temporal dev server and the production worker: the hold and its end."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from temporalio.client import Client, WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy

from domain.bookings.saga import SagaState, StepStatus
from domain.bookings.schemas import BookingInput, SeatSelection
from domain.contracts.queues import TaskQueue
from infra.db import SessionMaker
from tests.bookings_support import locked, make_showtime, seat_ids, start_booking
from workflows.booking import BookingWorkflow
from workflows.search_attributes import SAGA_STATE

pytestmark = pytest.mark.usefixtures("worker")


async def hold(temporal: Client, sessionmaker: SessionMaker, redis: Redis, showtime: Any, ids: list[str], *,
               hold_seconds: int) -> Any:
    """As the API does: the seats are held at the edge, then the saga starts owning the hold."""
    return await start_booking(temporal, sessionmaker, redis, user_id=uuid.uuid4(), showtime_id=showtime.id,
                               seat_ids=[uuid.UUID(i) for i in ids], hold_seconds=hold_seconds)


async def legacy_hold(temporal: Client, showtime: Any, ids: list[str], *, hold_seconds: int) -> Any:
    """A saga from before the hold moved to the edge: update-with-start, the saga holds the seats itself."""
    booking_id = uuid.uuid4()
    start = WithStartWorkflowOperation(
        BookingWorkflow.run, BookingInput(booking_id=booking_id, user_id=uuid.uuid4(), showtime_id=showtime.id,
                                          hold_seconds=hold_seconds, max_seats=8),
        id=f"booking-{booking_id}", task_queue=TaskQueue.BOOKINGS,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
    view = await temporal.execute_update_with_start_workflow(
        BookingWorkflow.lock_seats, SeatSelection(seat_ids=[uuid.UUID(i) for i in ids]), start_workflow_operation=start)
    return view, await start.workflow_handle()


async def test_unpaid_hold_expires_on_time_and_frees_the_seats(temporal: Client, sessionmaker: SessionMaker,
                                                               redis: Redis) -> None:
    showtime = await make_showtime(sessionmaker)
    view, handle = await hold(temporal, sessionmaker, redis, showtime,
        await seat_ids(sessionmaker, showtime.id, "B1", "B2"), hold_seconds=2)
    assert view.state is SagaState.SEATS_LOCKED
    assert await locked(sessionmaker, showtime.id) == {"B1", "B2"}
    outcome = await asyncio.wait_for(handle.result(), timeout=20)
    assert (outcome.state, outcome.outcome) == (SagaState.COMPENSATED, "HOLD_EXPIRED")
    assert await locked(sessionmaker, showtime.id) == set()
    steps = (await handle.query(BookingWorkflow.status)).steps
    assert [(s.name, s.status) for s in steps] == [("lock_seats", StepStatus.SUCCESS),
                                                  ("release_seats", StepStatus.COMPENSATED)]


async def test_cancelling_the_workflow_compensates(temporal: Client, sessionmaker: SessionMaker,
                                                   redis: Redis) -> None:
    showtime = await make_showtime(sessionmaker)
    _, handle = await hold(temporal, sessionmaker, redis, showtime,
        await seat_ids(sessionmaker, showtime.id, "A1", "A2"), hold_seconds=600)
    await handle.cancel()
    with pytest.raises(Exception):  # noqa: B017 - the run ends cancelled; what matters is the seats
        await asyncio.wait_for(handle.result(), timeout=20)
    assert await locked(sessionmaker, showtime.id) == set()
    assert (await handle.query(BookingWorkflow.status)).state is SagaState.COMPENSATED


async def test_operators_find_the_saga_by_its_state(temporal: Client, sessionmaker: SessionMaker,
                                                    redis: Redis) -> None:
    showtime = await make_showtime(sessionmaker)
    _, handle = await hold(temporal, sessionmaker, redis, showtime,
        await seat_ids(sessionmaker, showtime.id, "A9", "A10"), hold_seconds=600)
    description = await handle.describe()
    assert description.typed_search_attributes.get(SAGA_STATE) == "SEATS_LOCKED"
    await handle.cancel()


async def test_a_saga_from_before_the_edge_hold_still_holds_and_expires(temporal: Client,
                                                                       sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    view, handle = await legacy_hold(temporal, showtime, await seat_ids(sessionmaker, showtime.id, "A5", "A6"),
                                     hold_seconds=2)
    assert view.state is SagaState.SEATS_LOCKED
    assert await locked(sessionmaker, showtime.id) == {"A5", "A6"}
    outcome = await asyncio.wait_for(handle.result(), timeout=20)
    assert (outcome.state, outcome.outcome) == (SagaState.COMPENSATED, "HOLD_EXPIRED")
    assert await locked(sessionmaker, showtime.id) == set()

