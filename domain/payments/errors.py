"""Errors of the payments context: each carries its HTTP status and a stable code."""

from __future__ import annotations

from domain.shared.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound


class PaymentNotFound(NotFound):
    code = "PAYMENT_NOT_FOUND"


class PaymentExists(Conflict):
    """The booking already has a live payment with a different method or amount (details name it)."""

    code = "PAYMENT_EXISTS"


class PaymentNotRefundable(Conflict):
    """Only a successful payment can be refunded by a person."""

    code = "PAYMENT_NOT_REFUNDABLE"


class RefundExceedsPaid(Conflict):
    """The amount is more than what is left to refund (details: refundable)."""

    code = "REFUND_EXCEEDS_PAID"


class IdempotencyKeyReused(Conflict):
    """The idempotency key was already used for a different request."""

    code = "IDEMPOTENCY_KEY_REUSED"


class InvalidPaymentInput(InvalidInput):
    """The gateway's own rules refuse the request (amount range, id format)."""


class NotYourPayment(Forbidden):
    code = "FORBIDDEN"


class GatewayUnavailable(DomainError):
    """The gateway did not answer (timeouts, 5xx) or its circuit breaker is open; retry later."""

    status_code = 503
    code = "GATEWAY_UNAVAILABLE"

    def __init__(self, message: str, *, retry_after: int | None = None, details: object = None) -> None:
        super().__init__(message, details)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)} if retry_after else None


class GatewayRefused(DomainError):
    """The gateway answered but refused the request (bad credentials, unknown order, its own rules)."""

    status_code = 502
    code = "GATEWAY_REFUSED"
