"""What a gateway's result does to a payment, and refund arithmetic: pure rules, every branch."""

from __future__ import annotations

import uuid

import pytest

from domain.payments import rules
from domain.payments.gateway import GatewayResult, GatewayState, NoticeOutcome
from domain.payments.models import PaymentFlag, PaymentStatus, RefundStatus

PENDING, SUCCESS, FAILED, REFUNDED = (PaymentStatus.PENDING, PaymentStatus.SUCCESS, PaymentStatus.FAILED,
                                      PaymentStatus.REFUNDED)


def result(state: GatewayState, amount: int | None = 150_000, txn: str | None = "T1") -> GatewayResult:
    return GatewayResult(state, amount, txn, "00")


def decide(status: PaymentStatus, res: GatewayResult, *, recorded: str | None = None) -> rules.Decision:
    return rules.decide(status=status, amount=150_000, transaction_id=recorded, result=res)


class TestDecide:
    def test_paid_settles_a_pending_payment(self) -> None:
        assert decide(PENDING, result(GatewayState.PAID)) == rules.Decision(
            NoticeOutcome.SETTLED, status=SUCCESS, record_money=True)

    def test_failed_settles_a_pending_payment_without_money(self) -> None:
        assert decide(PENDING, result(GatewayState.FAILED, txn="0")) == rules.Decision(
            NoticeOutcome.SETTLED, status=FAILED)

    def test_a_failure_without_an_amount_is_not_a_wrong_amount(self) -> None:
        assert decide(PENDING, result(GatewayState.FAILED, amount=None)).outcome is NoticeOutcome.SETTLED

    @pytest.mark.parametrize("status", [PENDING, SUCCESS, FAILED])
    def test_pending_at_the_gateway_changes_nothing(self, status: PaymentStatus) -> None:
        decision = decide(status, result(GatewayState.PENDING, amount=None, txn=None))
        assert decision.outcome is NoticeOutcome.DUPLICATE and not decision.changes

    def test_the_same_paid_result_again_is_a_duplicate(self) -> None:
        decision = decide(SUCCESS, result(GatewayState.PAID), recorded="T1")
        assert decision.outcome is NoticeOutcome.DUPLICATE and not decision.changes

    @pytest.mark.parametrize("status", [SUCCESS, FAILED, REFUNDED])
    def test_a_failure_after_the_payment_settled_changes_nothing(self, status: PaymentStatus) -> None:
        decision = decide(status, result(GatewayState.FAILED), recorded="T1" if status is not FAILED else None)
        assert decision.outcome is NoticeOutcome.DUPLICATE and not decision.changes

    def test_a_wrong_amount_is_refused_recorded_flagged_and_refunded(self) -> None:
        assert decide(PENDING, result(GatewayState.PAID, amount=120_000)) == rules.Decision(
            NoticeOutcome.WRONG_AMOUNT, status=FAILED, record_money=True, flag=PaymentFlag.AMOUNT_MISMATCH,
            refund=120_000)

    def test_the_same_wrong_amount_again_is_refused_and_changes_nothing(self) -> None:
        decision = decide(FAILED, result(GatewayState.PAID, amount=120_000), recorded="T1")
        assert decision.outcome is NoticeOutcome.WRONG_AMOUNT and not decision.changes and decision.refund == 0

    def test_a_failure_with_a_wrong_amount_is_refused_and_changes_nothing(self) -> None:
        decision = decide(PENDING, result(GatewayState.FAILED, amount=1))
        assert decision.outcome is NoticeOutcome.WRONG_AMOUNT and not decision.changes

    def test_money_for_a_payment_given_up_is_late_and_refunded(self) -> None:
        assert decide(FAILED, result(GatewayState.PAID)) == rules.Decision(
            NoticeOutcome.LATE, record_money=True, flag=PaymentFlag.LATE_PAYMENT, refund=150_000)

    def test_a_second_transaction_for_a_settled_order_is_flagged(self) -> None:
        assert decide(SUCCESS, result(GatewayState.PAID, txn="T2"), recorded="T1") == rules.Decision(
            NoticeOutcome.DOUBLE_PAYMENT, flag=PaymentFlag.DOUBLE_PAYMENT)


class TestRefundArithmetic:
    def test_refundable_counts_every_refund_not_rejected(self) -> None:
        refunds = [(50_000, RefundStatus.COMPLETED), (20_000, RefundStatus.PENDING),
                   (10_000, RefundStatus.APPROVED), (70_000, RefundStatus.REJECTED)]
        assert rules.refundable(150_000, refunds) == 70_000
        assert rules.refundable(None, []) == 0
        assert rules.refundable(10_000, [(20_000, RefundStatus.COMPLETED)]) == 0

    def test_only_a_full_refund_of_a_success_makes_it_refunded(self) -> None:
        assert rules.status_after_refund(SUCCESS, paid_amount=150_000, refunded_amount=150_000) is REFUNDED
        assert rules.status_after_refund(SUCCESS, paid_amount=150_000, refunded_amount=50_000) is SUCCESS
        assert rules.status_after_refund(FAILED, paid_amount=120_000, refunded_amount=120_000) is FAILED

    def test_one_automatic_refund_per_gateway_transaction(self) -> None:
        assert rules.automatic_refund_key(PaymentFlag.LATE_PAYMENT, "T1") == "auto:LatePayment:T1"


class TestOrderInfo:
    def test_a_safe_description_is_kept_else_the_default(self) -> None:
        booking = uuid.UUID("12345678-1234-5678-1234-567812345678")
        assert rules.order_info(booking, f"Cinema booking {booking}") == f"Cinema booking {booking}"
        default = "Thanh toan ve xem phim 12345678123456781234567812345678"
        assert rules.order_info(booking, "Thanh toán vé") == default  # diacritics encode differently per demo
        assert rules.order_info(booking, "x" * 201) == default  # MoMo's orderInfo limit
        assert rules.order_info(booking) == default
