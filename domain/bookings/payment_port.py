"""What the booking saga needs from the payments service: four activities on the payments task queue.

The saga calls them by name, so the payments service implements this port (activities/payments.py)
without the workflow importing gateway code. All are idempotent on the booking id (refunds on refund_id).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

START_PAYMENT = "start_payment"  # create the payment at the gateway (or record a counter payment)
CANCEL_PAYMENT = "cancel_payment"  # compensation: the payment will not be completed
SETTLE_PAYMENT = "settle_payment"  # no IPN came: ask the gateway what happened
REFUND_PAYMENT = "refund_payment"  # give money back (some gateways answer Pending and finish later)
REFUND_STATUS = "refund_status"  # where a Pending refund stands now


class SettlementStatus(StrEnum):
    SUCCESS = "Success"
    FAILED = "Failed"
    PENDING = "Pending"


class StartPaymentInput(BaseModel):
    booking_id: uuid.UUID
    user_id: uuid.UUID
    amount: int
    method: str  # VNPay, MoMo, ZaloPay, Cash, Card
    expires_at: datetime  # the gateway's own expiry matches the seat hold
    description: str
    reference: str | None = None  # a counter payment's receipt or card-slip number
    recorded_by: uuid.UUID | None = None  # the staff member who took a counter payment


class PaymentStarted(BaseModel):
    payment_id: uuid.UUID | None  # None: nothing to pay (a free booking), no payment was started
    payment_url: str | None  # where the customer pays; None for counter payments
    status: SettlementStatus  # Success at once for Cash/Card recorded by staff


class PaymentSettlement(BaseModel):
    """Sent by the payment webhook as the `payment_settled` signal, or answered by settle_payment."""

    booking_id: uuid.UUID
    payment_id: uuid.UUID | None
    status: SettlementStatus
    amount: int = 0


class RefundPaymentInput(BaseModel):
    booking_id: uuid.UUID
    refund_id: uuid.UUID  # the idempotency key: the same refund id never pays out twice
    amount: int
    reason: str


class RefundResult(BaseModel):
    refund_id: uuid.UUID
    status: SettlementStatus  # Success: money returned; Pending: ask refund_status later; Failed: escalate
    detail: str | None = None
