"""Contracts of the booking saga (workflow, activities, API) and the booking routes' bodies."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from domain.bookings.saga import SagaState
from domain.shared.schemas import ApiModel


class BookingInput(BaseModel):
    """What BookingWorkflow starts with; durations are inputs so tests can use seconds."""

    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    hold_seconds: int
    max_seats: int


class Requester(BaseModel):
    """Who asks the saga for something; the workflow checks it owns the booking (or is staff)."""

    user_id: uuid.UUID
    is_staff: bool = False


class SeatSelection(BaseModel):
    seat_ids: list[uuid.UUID]


class SeatLine(ApiModel):
    seat_id: uuid.UUID
    row: str
    number: int
    type: str
    price: int


class LockSeatsInput(BaseModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID]
    until: datetime
    max_seats: int


class ReleaseSeatsInput(BaseModel):
    booking_id: uuid.UUID
    showtime_id: uuid.UUID


class HoldView(ApiModel):
    """The answer to lock-seats: what is held, for how much, until when."""

    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    seats: list[SeatLine]
    total_amount: int
    expires_at: datetime
    state: SagaState


class LockSeatsRequest(ApiModel):
    showtime_id: uuid.UUID
    seat_ids: list[uuid.UUID] = Field(min_length=1, max_length=50)


class BookingOutcome(BaseModel):
    booking_id: uuid.UUID
    state: SagaState
    outcome: str
