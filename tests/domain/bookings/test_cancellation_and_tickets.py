"""Cancellation policy and QR ticket codes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.bookings.cancellation import (
    BookingCheckedIn,
    CancellationClosed,
    OverrideNeedsReason,
    ensure_not_checked_in,
    refund_for_cancellation,
    staff_override,
)
from domain.bookings.tickets import TicketCode, decode_ticket, encode_ticket, new_nonce

SHOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class TestCancellationPolicy:
    @pytest.mark.parametrize(("ahead", "percent", "amount"), [
        (timedelta(days=3), 100, 180_000),
        (timedelta(hours=24), 100, 180_000),
        (timedelta(hours=23, minutes=59), 50, 90_000),
        (timedelta(hours=2), 50, 90_000),
        (timedelta(hours=1, minutes=59), 0, 0),
    ])
    def test_refund_by_time_to_the_show(self, ahead: timedelta, percent: int, amount: int) -> None:
        decision = refund_for_cancellation(paid=180_000, show_starts_at=SHOW, now=SHOW - ahead)
        assert (decision.percent, decision.amount) == (percent, amount)

    def test_odd_amounts_round_down_to_whole_dong(self) -> None:
        assert refund_for_cancellation(paid=95_001, show_starts_at=SHOW, now=SHOW - timedelta(hours=3)).amount \
            == 47_500

    def test_a_used_ticket_is_not_cancelled(self) -> None:
        ensure_not_checked_in(None)
        with pytest.raises(BookingCheckedIn) as refused:
            ensure_not_checked_in(SHOW - timedelta(minutes=5))
        assert refused.value.code == "BOOKING_CHECKED_IN" and refused.value.status_code == 409

    def test_no_cancelling_after_the_start(self) -> None:
        with pytest.raises(CancellationClosed):
            refund_for_cancellation(paid=100_000, show_starts_at=SHOW, now=SHOW)

    def test_staff_override_needs_a_reason_and_a_sane_percentage(self) -> None:
        assert staff_override(paid=100_000, percent=100, reason="projector broke").amount == 100_000
        with pytest.raises(OverrideNeedsReason):
            staff_override(paid=100_000, percent=100, reason="  ")
        with pytest.raises(Exception, match="between 0 and 100"):
            staff_override(paid=100_000, percent=120, reason="x")


class TestTicketCodes:
    def test_round_trip(self) -> None:
        ticket = TicketCode(booking_id=uuid.uuid4(), nonce=new_nonce())
        assert decode_ticket(encode_ticket(ticket, secret="s3cret"), secret="s3cret") == ticket

    def test_forged_altered_or_malformed_codes_are_refused(self) -> None:
        ticket = TicketCode(booking_id=uuid.uuid4(), nonce=new_nonce())
        code = encode_ticket(ticket, secret="s3cret")
        other = str(uuid.uuid4())
        assert decode_ticket(code, secret="another") is None
        assert decode_ticket(code.replace(str(ticket.booking_id), other), secret="s3cret") is None
        assert decode_ticket(code[:-2], secret="s3cret") is None
        assert decode_ticket("CT1.not-a-uuid.x.y", secret="s3cret") is None
        assert decode_ticket("hello", secret="s3cret") is None

    def test_nonces_are_unguessable(self) -> None:
        assert len({new_nonce() for _ in range(100)}) == 100
