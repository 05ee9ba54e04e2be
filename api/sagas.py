"""Talking to saga workflows from the API: starting them and turning their refusals into HTTP errors."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.showtime_cards import CARDS
from domain.bookings import flash_prices, saga_summary
from domain.bookings.schemas import BookingInput, CancellationInput, CancellationPlan, CancelRequest, HoldView
from domain.contracts.queues import TaskQueue
from domain.contracts.saga_states import SagaState
from domain.contracts.workflow_ids import booking_workflow_id, cancellation_workflow_id
from domain.promotions import flash_sales
from domain.shared.errors import Conflict, DomainError, NotFound
from domain.shared.outbox import events_caused_by
from domain.shared.roles import Role
from domain.shared.time import utcnow
from domain.showtimes import holds
from domain.showtimes.hold_limits import HoldLimits
from domain.showtimes.pricing import PricingPolicy
from infra import seat_map_events
from infra.db import SessionMaker, unit_of_work
from infra.rate_limit import RateLimit
from infra.settings import Settings
from workflows.booking import BookingWorkflow
from workflows.cancellation import CancellationWorkflow
from workflows.search_attributes import BOOKING_ID, CINEMA_ID, SAGA_STATE, SHOWTIME_ID, USER_ID


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
    if cause is None or not _is_code(cause.type):  # an unexpected exception's class name is no answer
        return SagaRefused("SAGA_FAILED", "The request could not be completed.", 409, None)
    extra = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
    return SagaRefused(cause.type, cause.message, int(extra.get("status", 409)), extra.get("details"))


def _is_code(name: str | None) -> bool:
    """Refusals carry codes like SEATS_UNAVAILABLE; anything else is the type of an error nobody expected."""
    return bool(name) and name.replace("_", "").isalnum() and name.isupper()


def booking_search_attributes(*, booking_id: uuid.UUID, user_id: uuid.UUID, showtime_id: uuid.UUID,
                              state: SagaState = SagaState.STARTED,
                              cinema_id: uuid.UUID | None = None) -> TypedSearchAttributes:
    """How operators find a booking's saga in the Temporal UI (PaymentMethod is added at checkout)."""
    return TypedSearchAttributes([
        SearchAttributePair(BOOKING_ID, str(booking_id)), SearchAttributePair(USER_ID, str(user_id)),
        SearchAttributePair(SHOWTIME_ID, str(showtime_id)), SearchAttributePair(SAGA_STATE, state.value),
        *([SearchAttributePair(CINEMA_ID, str(cinema_id))] if cinema_id is not None else []),
    ])


# A request waits at most this long for a saga's answer: with no worker running it must not hang.
ANSWER_WITHIN = timedelta(seconds=15)
WAIT_AT_MOST = 2 * ANSWER_WITHIN  # an update's whole wait, its outcome polls included


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
    except TimeoutError as e:
        raise SagaBusy("The booking service did not answer in time; try again.") from e
    except RPCError as e:
        if e.status is RPCStatusCode.NOT_FOUND:
            raise NotFound("No such booking, or its hold has ended.") from e
        # Anything else is Temporal out of reach or overloaded (a restart answers "transport error" with
        # UNKNOWN): the request may be retried, never a 500.
        raise SagaBusy("The booking service did not answer in time; try again.") from e


async def update_saga(handle: WorkflowHandle[Any, Any], update: Any, arg: Any) -> Any:
    """Send an update to a running saga and return its answer. The whole wait is bounded (the SDK polls for the
    outcome again after each RPC timeout, so a Temporal restart could hold the request for minutes): past
    WAIT_AT_MOST it is a 503, and the same request sent again joins the update (checkout-retry-joins)."""
    async with saga_errors(), asyncio.timeout(WAIT_AT_MOST.total_seconds()):
        return await handle.execute_update(update, arg, rpc_timeout=ANSWER_WITHIN)


async def cancel_booking(temporal: Client, *, booking_id: uuid.UUID, request: CancelRequest) -> CancellationPlan:
    """Start (or join) the booking's CancellationWorkflow and answer with its decision."""
    start = WithStartWorkflowOperation(
        CancellationWorkflow.run, CancellationInput(booking_id=booking_id), id=cancellation_workflow_id(booking_id),
        task_queue=TaskQueue.BOOKINGS, id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=saga_summary.cancellation_summary(booking_id, request.reason),
        search_attributes=TypedSearchAttributes([SearchAttributePair(BOOKING_ID, str(booking_id)),
                                                 SearchAttributePair(SAGA_STATE, SagaState.STARTED.value)]))
    async with saga_errors():
        return await temporal.execute_update_with_start_workflow(  # type: ignore[no-any-return]
            CancellationWorkflow.cancel, request, start_workflow_operation=start, rpc_timeout=ANSWER_WITHIN)


def hold_limits(settings: Settings, role: Role) -> HoldLimits:
    """Customers' hold caps from the settings; Staff selling at the counter hold for many people."""
    if role.at_least(Role.STAFF):
        return HoldLimits.for_staff()
    return HoldLimits(per_showtime=settings.max_live_holds_per_showtime, overall=settings.max_live_holds_per_user)


def lock_rate_limit(settings: Settings) -> RateLimit:
    return RateLimit("lock-seats", settings.lock_rate_limit, settings.lock_rate_window)


class HoldAlreadyMade(Conflict):
    code = "HOLD_ALREADY_MADE"


class HoldEnded(Conflict):
    code = "HOLD_ENDED"


async def hold_seats(temporal: Client, sessionmaker: SessionMaker, redis: Redis, *, booking: BookingInput,
                     seat_ids: list[uuid.UUID], policy: PricingPolicy, limits: HoldLimits | None = None,
                     keyed: bool = False, accept_regular_price: bool = False) -> HoldView:
    """Step 1 of the booking saga, at the edge: claim the seats in PostgreSQL, then start the saga for a winner.

    A losing attempt costs one transaction and never reaches Temporal. A winner's saga owns the hold from its
    start (its durable timer, its `release_seats` compensation). If the start fails the seats are given back
    here; if this process dies between the commit and the start, `locked_until` frees them at the instant the
    saga's timer would have (a claim treats an expired lock as free).

    `limits`: the customer's hold caps (None: none, for callers inside the system).
    `keyed`: the booking id comes from the caller's Idempotency-Key, so a saga may exist for it already. A
    booking id has one saga, ever: a hold that has ended is never made again under the same id (its booking
    row, payment and events belong to that first saga).
    A running flash sale that covers the seats prices them in the same transaction (domain/bookings/flash_prices.py);
    the saga then owns its flash tickets like the seats (release_flash_sale, sell_flash_sale).
    """
    now, saga_id = utcnow(), booking_workflow_id(booking.booking_id)
    if keyed:
        await _check_first_hold(temporal, saga_id, booking.booking_id)
    expires_at = now + timedelta(seconds=booking.hold_seconds)
    # Its events carry the saga's id, like those of its steps; a repeated hold writes saga.started once.
    with events_caused_by(correlation_id=saga_id, idempotency_key=f"{saga_id}/hold"):
        async with unit_of_work(sessionmaker) as session:
            seats = await holds.hold(session, booking_id=booking.booking_id, user_id=booking.user_id,
                                     showtime_id=booking.showtime_id, seat_ids=seat_ids, until=expires_at, now=now,
                                     max_seats=booking.max_seats, policy=policy, orphan_rule=booking.orphan_rule,
                                     limits=limits)
            seats, flash = await flash_prices.price_hold(
                session, booking_id=booking.booking_id, user_id=booking.user_id, showtime_id=booking.showtime_id,
                seats=seats, held_until=expires_at, now=now, accept_regular=accept_regular_price)
            card = await CARDS.get(session, booking.showtime_id)
    hold = HoldView(booking_id=booking.booking_id, showtime_id=booking.showtime_id, seats=seats,
                    total_amount=sum(seat.price for seat in seats), expires_at=expires_at, state=SagaState.SEATS_LOCKED,
                    flash_sale=flash)
    summary = saga_summary.hold_summary(card, seats, hold.total_amount)
    details = saga_summary.hold_details(card, booking_id=booking.booking_id, user_id=booking.user_id, seats=seats,
                                        total=hold.total_amount, held_until=expires_at,
                                        flash_sale=f"{flash.tickets} × {flash.name}" if flash else None)
    try:
        async with saga_errors():
            await temporal.start_workflow(
                BookingWorkflow.run, booking.model_copy(update={"hold": hold}),
                id=saga_id, task_queue=TaskQueue.BOOKINGS,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE, rpc_timeout=ANSWER_WITHIN,
                static_summary=summary, static_details=details,
                search_attributes=booking_search_attributes(booking_id=booking.booking_id, user_id=booking.user_id,
                                                            showtime_id=booking.showtime_id,
                                                            state=SagaState.SEATS_LOCKED, cinema_id=card.cinema_id))
    except WorkflowAlreadyStartedError as e:  # its saga ended between our look and our start
        await asyncio.shield(_give_back(sessionmaker, booking))
        raise HoldEnded(_ENDED, {"bookingId": str(booking.booking_id)}) from e
    except BaseException:
        # No saga took the hold (or we cannot tell): give the seats back. The release is keyed by this
        # booking, so a saga that did start finds nothing to sell and refunds any payment (SEATS_LOST).
        await asyncio.shield(_give_back(sessionmaker, booking))
        raise
    await seat_map_events.publish(redis, showtime_id=booking.showtime_id, status="Locked", seat_ids=seat_ids)
    return hold


_ENDED = "The hold made with this Idempotency-Key has ended; send a new key to hold seats again."


async def _check_first_hold(temporal: Client, saga_id: str, booking_id: uuid.UUID) -> None:
    """Refuse to hold again for a booking id whose saga exists (running: 409 naming it; ended: 409)."""
    try:
        async with saga_errors():
            described = await temporal.get_workflow_handle(saga_id).describe(rpc_timeout=ANSWER_WITHIN)
    except NotFound:
        return
    details = {"bookingId": str(booking_id)}
    if described.status is WorkflowExecutionStatus.RUNNING:
        raise HoldAlreadyMade("This Idempotency-Key already holds seats: pay for that booking or give it back.",
                              details)
    raise HoldEnded(_ENDED, details)


async def _give_back(sessionmaker: SessionMaker, booking: BookingInput) -> None:
    with events_caused_by(correlation_id=booking_workflow_id(booking.booking_id)):
        async with unit_of_work(sessionmaker) as session:
            await holds.release(session, booking_id=booking.booking_id, showtime_id=booking.showtime_id)
            await flash_sales.release(session, booking_id=booking.booking_id, now=utcnow())
