"""Shared set-up for booking tests: a showtime with a known seat map, and seat states read from PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlmodel import col, select
from temporalio.client import Client, WorkflowHandle

from api.sagas import hold_seats
from domain.bookings.refunds import RefundOutcome
from domain.bookings.schemas import BookingInput, BookingOutcome, HoldView
from domain.contracts.workflow_ids import booking_workflow_id
from domain.shared.time import utcnow
from domain.showtimes import service as showtimes_service
from domain.showtimes.models import SeatStatus, ShowtimeSeat
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import ShowtimeCreate
from domain.showtimes.service import ScheduleRules
from infra.db import SessionMaker, unit_of_work
from tests.domain.showtimes.factories import local_time, local_today, make_movie, make_theater
from workflows.booking import BookingWorkflow
from workflows.refund import RefundWorkflow

# Row A: 10 standard seats with an aisle after 4; row B: 10 VIP; row C: couples in pairs.
LAYOUT = {"rows": 3, "seatsPerRow": 10, "aisles": [4], "vipRows": ["B"], "coupleRows": ["C"], "brokenSeats": []}


async def make_showtime(sessionmaker: SessionMaker, *, days_ahead: int = 3, hour: int = 20,
                        layout: dict[str, Any] | None = None) -> Any:
    movie = await make_movie(sessionmaker, duration=100)
    theater = await make_theater(sessionmaker, layout=layout or LAYOUT)
    rules = ScheduleRules(cleaning_gap=timedelta(minutes=15), policy=PricingPolicy())
    body = ShowtimeCreate.model_validate({
        "movieId": str(movie.id), "theaterId": str(theater.id),
        "startTime": local_time(local_today() + timedelta(days=days_ahead), hour).isoformat(), "basePrice": 90_000})
    async with unit_of_work(sessionmaker) as session:
        return await showtimes_service.create_showtime(session, data=body, rules=rules, now=utcnow())


async def seats(sessionmaker: SessionMaker, showtime_id: uuid.UUID) -> dict[str, ShowtimeSeat]:
    """The showtime's seats by label (A1, B10, ...), as PostgreSQL has them now."""
    async with sessionmaker() as session:
        rows = (await session.exec(select(ShowtimeSeat).where(col(ShowtimeSeat.showtime_id) == showtime_id))).all()
    return {f"{s.row}{s.number}": s for s in rows}


async def seat_ids(sessionmaker: SessionMaker, showtime_id: uuid.UUID, *labels: str) -> list[str]:
    by_label = await seats(sessionmaker, showtime_id)
    return [str(by_label[label].seat_id) for label in labels]


async def locked(sessionmaker: SessionMaker, showtime_id: uuid.UUID) -> set[str]:
    return {label for label, s in (await seats(sessionmaker, showtime_id)).items() if s.status is SeatStatus.LOCKED}


async def confirmed_booking(sessionmaker: SessionMaker, redis: Redis, *, user_id: uuid.UUID, showtime: Any,
                            labels: list[str], secret: str) -> uuid.UUID:
    """A paid booking made with the saga's own activities (hold, record, confirm), minus the payment."""
    from activities.bookings import BookingActivities
    from activities.showtimes import ShowtimeActivities
    from domain.bookings.schemas import ConfirmBookingInput, CreateBookingInput, LockSeatsInput

    booking_id, until = uuid.uuid4(), utcnow() + timedelta(minutes=10)
    ids = [uuid.UUID(i) for i in await seat_ids(sessionmaker, showtime.id, *labels)]
    lines = await ShowtimeActivities(sessionmaker, redis, PricingPolicy()).lock_seats(LockSeatsInput(
        booking_id=booking_id, user_id=user_id, showtime_id=showtime.id, seat_ids=ids, until=until, max_seats=8))
    bookings = BookingActivities(sessionmaker, redis, secret)
    await bookings.create_booking(CreateBookingInput(
        booking_id=booking_id, user_id=user_id, showtime_id=showtime.id, seats=lines, discount=0,
        voucher_code=None, payment_method="Cash", expires_at=until))
    await bookings.confirm_booking(ConfirmBookingInput(booking_id=booking_id, showtime_id=showtime.id,
                                                       payment_id=None))
    return booking_id


async def refund_of(temporal: Client, booking_id: uuid.UUID) -> WorkflowHandle[RefundWorkflow, RefundOutcome]:
    """The booking's one RefundWorkflow (`refund-{refundId}`), found through visibility by its BookingId."""
    query = f'WorkflowType = "RefundWorkflow" AND BookingId = "{booking_id}"'
    for _ in range(100):
        ids = [w.id async for w in temporal.list_workflows(query)]
        if ids:
            assert len(ids) == 1, ids
            return temporal.get_workflow_handle_for(RefundWorkflow.run, ids[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no RefundWorkflow for booking {booking_id}")


async def start_booking(temporal: Client, sessionmaker: SessionMaker, redis: Redis, *, user_id: uuid.UUID,
                        showtime_id: uuid.UUID, seat_ids: list[uuid.UUID], hold_seconds: int,
                        payment_queue: str = "cinema-payments") -> tuple[HoldView, WorkflowHandle[Any, BookingOutcome]]:
    """Hold the seats and start the saga as `POST /api/bookings/lock-seats` does (api/sagas.py hold_seats)."""
    booking = BookingInput(booking_id=uuid.uuid4(), user_id=user_id, showtime_id=showtime_id,
                           hold_seconds=hold_seconds, max_seats=8, payment_queue=payment_queue)
    view = await hold_seats(temporal, sessionmaker, redis, booking=booking, seat_ids=seat_ids,
                            policy=PricingPolicy())
    return view, temporal.get_workflow_handle_for(BookingWorkflow.run, booking_workflow_id(booking.booking_id))
