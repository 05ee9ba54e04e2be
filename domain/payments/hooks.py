"""What a settled payment tells the rest of the system: the events, produced in the settling transaction
and handed out after it commits (infra/payment_hooks.py delivers them through Temporal).

- PaymentSettled: the booking saga (`booking-{bookingId}`) gets the `payment_settled` signal of the
  payments port, so it confirms or compensates without waiting for its hold timer. The saga keeps the
  first final answer, so a repeated signal is harmless.
- RefundRequested: money goes back through the project's RefundWorkflow (`refund-{refundId}`), which
  calls this service's refund_payment/refund_status activities until the gateway is done. Automatic
  refunds carry the flag that caused them: a wrong amount, or money that arrived after the payment had
  been given up (a late IPN for an expired booking).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from domain.payments.models import PaymentFlag, PaymentMethod, PaymentStatus


class PaymentSettled(BaseModel):
    """A payment reached Success or Failed; the IPN (or a query when none came) decided it."""

    payment_id: uuid.UUID
    booking_id: uuid.UUID
    user_id: uuid.UUID
    method: PaymentMethod
    status: PaymentStatus
    amount: int
    transaction_id: str | None
    settled_at: datetime


class RefundRequested(BaseModel):
    """A recorded refund the gateway has not finished yet."""

    refund_id: uuid.UUID
    payment_id: uuid.UUID
    booking_id: uuid.UUID
    amount: int
    reason: str
    flag: PaymentFlag | None = None  # why money is returned automatically; None: a person asked
