"""Contracts of RefundWorkflow."""

from __future__ import annotations

import uuid

from pydantic import BaseModel


class RefundInput(BaseModel):
    refund_id: uuid.UUID
    booking_id: uuid.UUID
    amount: int
    reason: str
    payment_queue: str = "cinema-payments"
    poll_seconds: int = 30  # first wait before asking about a pending refund; doubles each time
    max_polls: int = 12
    notify: bool = False  # mail the customer once the money is back (automatic refunds, e.g. a late payment)


class RefundNotice(BaseModel):
    booking_id: uuid.UUID
    amount: int
    reason: str


class RefundOutcome(BaseModel):
    refund_id: uuid.UUID
    status: str
    attempts: int
