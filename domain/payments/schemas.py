"""Request and response bodies of the payments routes (the saga's contracts are domain/bookings/payment_port.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from domain.payments.models import PaymentFlag, PaymentMethod, PaymentStatus, RefundStatus
from domain.shared.schemas import ApiModel, PageParams

OnlineMethod = Literal[PaymentMethod.VNPAY, PaymentMethod.MOMO, PaymentMethod.ZALOPAY]
CounterMethod = Literal[PaymentMethod.CASH, PaymentMethod.CARD]
MAX_AMOUNT = 1_000_000_000


class PaymentCreate(ApiModel):
    """Start an online payment. Until the booking saga (issue #5) lands the amount comes from the body;
    then the saga takes it from the booking and this route stops trusting the client with it."""

    booking_id: uuid.UUID
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="VND")
    method: OnlineMethod


class CounterPaymentCreate(ApiModel):
    """A payment taken at the counter in cash or by card for a booking whose seats are held; it is
    successful when recorded and the booking's saga confirms it."""

    booking_id: uuid.UUID
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="VND taken; must be what the hold costs")
    method: CounterMethod
    reference: str | None = Field(default=None, max_length=64, description="Receipt or card-slip number")


class RefundCreate(ApiModel):
    amount: int | None = Field(default=None, gt=0, le=MAX_AMOUNT,
                               description="VND; leave out to refund everything left")
    reason: str = Field(min_length=1, max_length=300)
    refund_id: uuid.UUID | None = Field(default=None, description="Idempotency key, if no Idempotency-Key header")


class RefundPublic(ApiModel):
    id: uuid.UUID
    payment_id: uuid.UUID
    amount: int
    reason: str
    status: RefundStatus
    automatic: bool
    transaction_id: str | None
    failure_reason: str | None
    requested_by: uuid.UUID | None
    processed_at: datetime | None
    created_at: datetime


class PaymentPublic(ApiModel):
    id: uuid.UUID
    booking_id: uuid.UUID
    user_id: uuid.UUID
    amount: int
    method: PaymentMethod
    status: PaymentStatus
    order_ref: str | None
    transaction_id: str | None
    paid_amount: int | None
    refunded_amount: int
    pay_url: str | None
    gateway_response: dict[str, Any] | None
    failure_reason: str | None
    flag: PaymentFlag | None
    recorded_by: uuid.UUID | None
    expires_at: datetime
    paid_at: datetime | None
    created_at: datetime
    updated_at: datetime
    refunds: list[RefundPublic] = []


class PaymentQuery(PageParams):
    user_id: uuid.UUID | None = Field(default=None, description="Staff only; customers always see their own")
    booking_id: uuid.UUID | None = None
    method: PaymentMethod | None = None
    status: PaymentStatus | None = None
    flagged: bool | None = Field(default=None, description="Only payments that need a look from staff")
    created_from: AwareDatetime | None = None
    created_to: AwareDatetime | None = None


class VerifyRequest(ApiModel):
    """The return-URL parameters the gateway sent the browser back with: `query` as received
    (`location.search`) or `params` already decoded."""

    method: OnlineMethod
    query: str | None = Field(default=None, max_length=8000)
    params: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> VerifyRequest:
        if (self.query is None) == (self.params is None):
            raise ValueError("send exactly one of query or params")
        return self


class VerifyResult(ApiModel):
    """What the return URL says (display only) next to what we recorded from the IPN (the truth)."""

    valid: bool
    method: PaymentMethod
    order_ref: str | None
    gateway_result: str | None = Field(description="Paid, Failed or Pending, as the redirect claims")
    amount: int | None
    payment_id: uuid.UUID | None
    status: PaymentStatus | None = Field(description="The payment's recorded status")
    message: str


class MethodAvailability(ApiModel):
    method: PaymentMethod
    online: bool
    available: bool
    retry_after_seconds: int | None = None
    reason: str | None = None
