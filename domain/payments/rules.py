"""Pure rules of the payments context: what a gateway's result does to a payment, and refund arithmetic."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from domain.payments.gateway import GatewayResult, GatewayState, NoticeOutcome
from domain.payments.models import PaymentFlag, PaymentStatus, RefundStatus

EXPIRED = "EXPIRED"  # given up at the deadline with nothing paid
CANCELLED = "CANCELLED"  # the booking was undone before anything was paid
# What every gateway encodes alike in an order description (VNPay vnp_OrderInfo, spec §1.4; MoMo allows 200).
_PORTABLE_ORDER_INFO = re.compile(r"[A-Za-z0-9 ._:-]{1,200}")


@dataclass(frozen=True)
class Decision:
    outcome: NoticeOutcome
    status: PaymentStatus | None = None  # the new status; None keeps it
    record_money: bool = False  # keep the result's transaction id and amount as what was paid
    flag: PaymentFlag | None = None
    refund: int = 0  # VND to give back automatically

    @property
    def changes(self) -> bool:
        return self.status is not None or self.record_money or self.flag is not None


def decide(*, status: PaymentStatus, amount: int, transaction_id: str | None, result: GatewayResult) -> Decision:
    """Apply a gateway's result to a payment (the IPN is the source of truth; a query reaches the same end).

    The amount is checked first, as VNPay's official IPN handler does. Money that arrived and that we do
    not keep (wrong amount, or a payment already given up) is recorded, flagged, and refunded.
    """
    if result.state is GatewayState.PENDING:
        return Decision(NoticeOutcome.DUPLICATE)
    paid = result.state is GatewayState.PAID
    amount_ok = result.amount == amount
    if not paid:
        if result.amount is not None and not amount_ok:
            return Decision(NoticeOutcome.WRONG_AMOUNT)
        if status is PaymentStatus.PENDING:
            return Decision(NoticeOutcome.SETTLED, status=PaymentStatus.FAILED)
        return Decision(NoticeOutcome.DUPLICATE)
    if transaction_id is not None:  # money already recorded for this payment
        if transaction_id != result.transaction_id:
            return Decision(NoticeOutcome.DOUBLE_PAYMENT, flag=PaymentFlag.DOUBLE_PAYMENT)
        return Decision(NoticeOutcome.DUPLICATE if amount_ok else NoticeOutcome.WRONG_AMOUNT)
    received = result.amount or 0
    if not amount_ok:
        return Decision(NoticeOutcome.WRONG_AMOUNT, status=PaymentStatus.FAILED, record_money=True,
                        flag=PaymentFlag.AMOUNT_MISMATCH, refund=received)
    if status is PaymentStatus.PENDING:
        return Decision(NoticeOutcome.SETTLED, status=PaymentStatus.SUCCESS, record_money=True)
    if status is PaymentStatus.FAILED:
        return Decision(NoticeOutcome.LATE, record_money=True, flag=PaymentFlag.LATE_PAYMENT, refund=received)
    return Decision(NoticeOutcome.DUPLICATE)


def automatic_refund_key(flag: PaymentFlag, transaction_id: str | None) -> str:
    """The idempotency key of an automatic refund: one per gateway transaction, however often it is told."""
    return f"auto:{flag.value}:{transaction_id}"


def committed_refunds(refunds: Iterable[tuple[int, RefundStatus]]) -> int:
    """VND promised back: every refund not rejected (pending and processing ones count)."""
    return sum(amount for amount, status in refunds if status is not RefundStatus.REJECTED)


def refundable(paid_amount: int | None, refunds: Iterable[tuple[int, RefundStatus]]) -> int:
    """What is left to refund of what was paid."""
    return max((paid_amount or 0) - committed_refunds(refunds), 0)


def status_after_refund(status: PaymentStatus, *, paid_amount: int | None, refunded_amount: int) -> PaymentStatus:
    """A successful payment refunded in full becomes Refunded; partial refunds keep it Success."""
    if status is PaymentStatus.SUCCESS and paid_amount is not None and refunded_amount >= paid_amount:
        return PaymentStatus.REFUNDED
    return status


def order_info(booking_id: uuid.UUID, description: str | None = None) -> str:
    """The order description sent to every gateway: the caller's if it keeps to the ASCII letters, digits
    and ` ._:-` that every VNPay implementation encodes alike (spec §1.4), else a default one."""
    if description and _PORTABLE_ORDER_INFO.fullmatch(description):
        return description
    return f"Thanh toan ve xem phim {booking_id.hex}"
