"""The one PaymentGateway interface the payment service talks to, and the values it exchanges.

infra/gateways/<provider>/adapter.py implements it for VNPay, MoMo and ZaloPay over HTTP (one shared
transport: timeouts, retries, a circuit breaker); the service never sees a gateway's wire format.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from domain.payments.models import PaymentMethod, RefundStatus


class GatewayState(StrEnum):
    PAID = "Paid"
    FAILED = "Failed"
    PENDING = "Pending"  # not paid yet (or unknown to the gateway): the customer may still pay


@dataclass(frozen=True)
class GatewayResult:
    """A payment's outcome as the gateway reports it in an IPN, a return redirect or a query answer."""

    state: GatewayState
    amount: int | None  # VND, None when the message carries none we can read
    transaction_id: str | None
    code: str | None  # the gateway's own result code
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Notice:
    """An inbound IPN, callback or return redirect, after its signature was checked."""

    kind: str  # ipn, callback, return
    signature_valid: bool
    order_ref: str | None  # None: not one of our orders; with a bad signature, only what the message claims
    result: GatewayResult | None  # None when the signature is bad or the message unreadable
    payload: dict[str, Any]
    raw: str


@dataclass(frozen=True)
class Reply:
    """What a webhook answers, in the gateway's own format."""

    status_code: int
    body: dict[str, Any] | None


@dataclass(frozen=True)
class CheckoutOrder:
    payment_id: uuid.UUID
    order_ref: str
    amount: int
    order_info: str
    user_ref: str
    client_ip: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Checkout:
    pay_url: str
    response: dict[str, Any] | None  # the gateway's answer to create (None for VNPay: a signed URL only)


@dataclass(frozen=True)
class PaymentRef:
    """What query and refund calls need to know about the original payment."""

    payment_id: uuid.UUID
    order_ref: str
    amount: int
    transaction_id: str | None
    requested_at: datetime  # the create time sent to the gateway (VNPay vnp_TransactionDate)


@dataclass(frozen=True)
class RefundOrder:
    refund_id: uuid.UUID
    payment: PaymentRef
    amount: int
    full: bool  # the whole paid amount at once (VNPay transaction type 02, else 03)
    reason: str
    requested_by: str
    gateway_ref: str  # our refund id at the gateway, made once (refund_ref) and reused by every retry


@dataclass(frozen=True)
class RefundResult:
    status: RefundStatus  # Approved (processing), Completed or Rejected
    gateway_ref: str
    transaction_id: str | None
    code: str | None
    response: dict[str, Any]


@dataclass(frozen=True)
class Availability:
    available: bool
    retry_after: int | None = None  # seconds until the breaker lets a trial call through
    reason: str | None = None


class NoticeOutcome(StrEnum):
    """What the service concluded from a notice; each gateway turns it into its own reply."""

    SETTLED = "SETTLED"  # the result was recorded (paid or failed)
    DUPLICATE = "DUPLICATE"  # already recorded: acknowledged, nothing changed
    LATE = "LATE"  # money for a payment already given up: recorded and refunded
    DOUBLE_PAYMENT = "DOUBLE_PAYMENT"  # a second transaction for a settled order: flagged for staff
    WRONG_AMOUNT = "WRONG_AMOUNT"  # rejected; money that moved is recorded, flagged and refunded
    INVALID_SIGNATURE = "INVALID_SIGNATURE"  # nothing changed, nothing remembered
    UNKNOWN_ORDER = "UNKNOWN_ORDER"  # nothing changed, nothing remembered
    ERROR = "ERROR"  # our failure: the gateway should send it again


class PaymentGateway(Protocol):
    method: PaymentMethod

    def order_ref(self, payment_id: uuid.UUID, at: datetime) -> str:
        """Our order id at the gateway (vnp_TxnRef, MoMo orderId, ZaloPay app_trans_id)."""

    def refund_ref(self, refund_id: uuid.UUID, at: datetime) -> str:
        """Our refund id at the gateway (VNPay vnp_RequestId, MoMo orderId, ZaloPay m_refund_id)."""

    async def availability(self) -> Availability:
        """Whether new payments may be started now (configured, circuit not open)."""

    def check(self, order: CheckoutOrder) -> object:
        """Apply the gateway's own rules (amount range, id formats) before anything is recorded: raises
        InvalidPaymentInput (the caller's 422). Pure: nothing is sent."""

    async def create(self, order: CheckoutOrder) -> Checkout:
        """Open the order at the gateway; the customer's browser goes to `pay_url`."""

    async def query(self, payment: PaymentRef, *, now: datetime) -> GatewayResult:
        """Ask the gateway what became of the payment."""

    async def refund(self, order: RefundOrder, *, now: datetime) -> RefundResult:
        """Send the refund; repeating it with the same gateway_ref never refunds twice."""

    async def refund_status(self, order: RefundOrder, *, now: datetime) -> RefundResult:
        """Ask what became of a refund the gateway accepted for processing."""

    def parse_ipn(self, *, query: str, body: bytes) -> Notice:
        """Verify and read a server-to-server notification."""

    def parse_return(self, params: Mapping[str, str]) -> Notice:
        """Verify and read the browser's return-URL parameters (display only)."""

    def reply(self, outcome: NoticeOutcome) -> Reply:
        """The webhook answer the gateway expects for this outcome."""
