"""Every state a saga shows in the `SagaState` search attribute (Temporal UI, visibility queries)."""

from __future__ import annotations

from enum import StrEnum


class SagaState(StrEnum):
    # The booking saga (seed "Booking Saga Flow"), in order.
    STARTED = "STARTED"
    SEATS_LOCKED = "SEATS_LOCKED"
    VOUCHER_VALIDATED = "VOUCHER_VALIDATED"
    BOOKING_CREATED = "BOOKING_CREATED"
    PAYMENT_PROCESSED = "PAYMENT_PROCESSED"
    BOOKING_CONFIRMED = "BOOKING_CONFIRMED"
    POINTS_UPDATED = "POINTS_UPDATED"
    NOTIFICATIONS_SENT = "NOTIFICATIONS_SENT"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    COMPENSATING = "COMPENSATING"
    COMPENSATED = "COMPENSATED"
    # CancellationWorkflow.
    BOOKING_CANCELLED = "BOOKING_CANCELLED"
    # RefundWorkflow: REFUND_ESCALATED waits for a Manager (GET /api/bookings/refunds/stuck).
    REFUNDING = "REFUNDING"
    REFUNDED = "REFUNDED"
    REFUND_ESCALATED = "REFUND_ESCALATED"
