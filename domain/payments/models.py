"""Tables of the payments context (schema `payments`): payments, refunds, and every gateway message.

Booking and user ids point into other schemas: no cross-schema foreign keys (BRIEF §4).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from domain.contracts.payment_methods import PaymentMethod
from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "payments"


class PaymentStatus(StrEnum):
    PENDING = "Pending"  # waiting for the gateway's IPN (or a query)
    SUCCESS = "Success"  # paid; partial refunds keep it here, with refundedAmount > 0
    FAILED = "Failed"  # not paid, cancelled, expired, or refused by us (wrong amount)
    REFUNDED = "Refunded"  # paid, then refunded in full


class RefundStatus(StrEnum):
    PENDING = "Pending"  # recorded; the gateway has not accepted it yet (it is retried)
    APPROVED = "Approved"  # the gateway accepted it and is processing it
    REJECTED = "Rejected"  # the gateway refused it
    COMPLETED = "Completed"  # the money went back

    @property
    def final(self) -> bool:
        return self in (RefundStatus.REJECTED, RefundStatus.COMPLETED)


class PaymentFlag(StrEnum):
    """Why a payment needs a look from staff; money that arrived against these is refunded automatically."""

    AMOUNT_MISMATCH = "AmountMismatch"  # the gateway reported a different amount than the order's
    LATE_PAYMENT = "LatePayment"  # money arrived after the payment had been given up
    DOUBLE_PAYMENT = "DoublePayment"  # a second, different transaction for a settled order
    REFUND_REJECTED = "RefundRejected"  # a refund was refused by the gateway


class Direction(StrEnum):
    INBOUND = "Inbound"  # from the gateway (IPN, callback, return redirect, API answers)
    OUTBOUND = "Outbound"  # from us (create, query, refund requests)


class Payment(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("refunded_amount >= 0 AND refunded_amount <= coalesce(paid_amount, 0)",
                        name="refunds_within_paid"),
        # The idempotency key of create: one live payment per booking; failed attempts may be retried.
        Index("uq_payment_live_booking", "booking_id", unique=True, postgresql_where=text("status <> 'Failed'")),
        {"schema": SCHEMA},
    )
    __mapper_args__ = {"eager_defaults": True}  # read created_at/updated_at back on every flush (RETURNING)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    booking_id: uuid.UUID = Field(index=True)
    user_id: uuid.UUID = Field(index=True)
    amount: int  # VND the order asks for
    method: PaymentMethod = Field(sa_type=enum_column(PaymentMethod))
    status: PaymentStatus = Field(default=PaymentStatus.PENDING, sa_type=enum_column(PaymentStatus), index=True)
    # Our order id at the gateway: vnp_TxnRef, MoMo orderId, ZaloPay app_trans_id.
    order_ref: str | None = Field(default=None, sa_type=String(40), unique=True)
    transaction_id: str | None = Field(default=None, sa_type=String(64))  # the gateway's, or a counter slip
    paid_amount: int | None = None  # what the gateway says was paid
    refunded_amount: int = 0  # completed refunds
    pay_url: str | None = Field(default=None, sa_type=Text)
    gateway_response: dict[str, Any] | None = Field(default=None, sa_type=JSONB)  # the deciding answer
    failure_reason: str | None = Field(default=None, sa_type=String(60))
    flag: PaymentFlag | None = Field(default=None, sa_type=enum_column(PaymentFlag, 20), index=True)
    client_ip: str = Field(default="127.0.0.1", sa_type=String(45))
    recorded_by: uuid.UUID | None = None  # the staff member, for counter payments
    requested_at: datetime | None = utc_datetime_field()  # sent as the gateway's create time
    expires_at: datetime = utc_datetime_field(nullable=False)  # type: ignore[assignment]
    paid_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Refund(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("payment_id", "idempotency_key"),
        {"schema": SCHEMA},
    )
    __mapper_args__ = {"eager_defaults": True}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    payment_id: uuid.UUID = Field(sa_column_args=[ForeignKey(f"{SCHEMA}.payment.id")], index=True)
    idempotency_key: str = Field(sa_type=String(100))
    amount: int
    reason: str = Field(sa_type=String(300))
    status: RefundStatus = Field(default=RefundStatus.PENDING, sa_type=enum_column(RefundStatus))
    automatic: bool = False  # started by us (wrong amount, late payment), not by a person
    requested_by: uuid.UUID | None = None
    gateway_ref: str | None = Field(default=None, sa_type=String(64))  # our refund id at the gateway
    transaction_id: str | None = Field(default=None, sa_type=String(64))  # the gateway's refund id
    gateway_response: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    failure_reason: str | None = Field(default=None, sa_type=String(200))
    processed_at: datetime | None = utc_datetime_field()
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class GatewayMessage(SQLModel, table=True):
    """Every message exchanged with a gateway, valid or not, written in its own transaction."""

    __tablename__ = "gateway_message"
    __table_args__ = {"schema": SCHEMA}

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    method: PaymentMethod = Field(sa_type=enum_column(PaymentMethod))
    direction: Direction = Field(sa_type=enum_column(Direction))
    kind: str = Field(sa_type=String(24))  # create, ipn, return, query, refund, query_refund
    order_ref: str | None = Field(default=None, sa_type=String(64), index=True)
    payment_id: uuid.UUID | None = Field(default=None, index=True)
    refund_id: uuid.UUID | None = None
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONB)
    raw: str | None = Field(default=None, sa_type=Text)  # the exact text received
    signature_valid: bool | None = None  # None: the message carries no documented signature
    http_status: int | None = None
    outcome: str | None = Field(default=None, sa_type=String(120))  # what we answered or concluded
    created_at: datetime = created_at_field()
