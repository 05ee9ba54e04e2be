"""The booking saga as an operator reads it in the Temporal UI: money as "188.000 ₫", local times, seats in order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.bookings.saga_summary import (
    cancellation_summary,
    current_details,
    hold_details,
    hold_summary,
    hold_timer_summary,
    refund_summary,
    vnd,
)
from domain.showtimes.queries import ShowtimeCard
from domain.showtimes.schemas import SeatLine

CARD = ShowtimeCard(showtime_id=uuid.uuid4(), movie_title="Deadpool & Wolverine", cinema_id=uuid.uuid4(),
                    cinema_name="CineViet Quận 1", starts_at=datetime(2026, 12, 2, 12, 30, tzinfo=UTC))  # 19:30 local
SEATS = [SeatLine(seat_id=uuid.uuid4(), row="E", number=2, type="Standard", price=94_000),
         SeatLine(seat_id=uuid.uuid4(), row="E", number=1, type="Standard", price=94_000)]


def test_money_is_grouped_the_vietnamese_way() -> None:
    assert (vnd(188_000), vnd(0), vnd(1_250_000)) == ("188.000 ₫", "0 ₫", "1.250.000 ₫")


def test_the_summary_names_seats_film_cinema_local_start_and_price() -> None:
    assert hold_summary(CARD, SEATS, 188_000) == (
        "2 ghế E1, E2 · Deadpool & Wolverine · CineViet Quận 1 · 02/12 19:30 · 188.000 ₫")


def test_the_details_carry_the_ids_to_search_by_and_the_hold_end() -> None:
    booking_id, user_id = uuid.uuid4(), uuid.uuid4()
    details = hold_details(CARD, booking_id=booking_id, user_id=user_id, seats=SEATS, total=188_000,
                           held_until=datetime(2026, 12, 2, 11, 45, tzinfo=UTC), flash_sale="2 × Đêm thứ Sáu")
    assert "**Giữ đến / Held until:** 18:45:00" in details and "**Flash sale:** 2 × Đêm thứ Sáu" in details
    assert f"BookingId `{booking_id}`" in details and f"CinemaId `{CARD.cinema_id}`" in details
    assert "E1, E2 (Standard) · 188.000 ₫" in details


def test_current_details_show_the_step_and_the_time_left_while_the_hold_ticks() -> None:
    now = datetime(2026, 12, 2, 11, 30, tzinfo=UTC)
    until = now + timedelta(minutes=9, seconds=30)
    assert current_details("BOOKING_CREATED", step="process_payment", step_status="Pending", held_until=until,
                           now=now) == ("**BOOKING_CREATED** · step `process_payment` Pending · hold ends 18:39:30 "
                                        "(9 min left)")
    assert current_details("COMPLETED", step="send_notification", step_status="Success", held_until=until,
                           now=now) == "**COMPLETED** · step `send_notification` Success"  # no hold once sold
    assert current_details("SEATS_LOCKED", step=None, step_status=None, held_until=None, now=now) == "**SEATS_LOCKED**"


def test_the_hold_timer_reads_in_minutes() -> None:
    assert [hold_timer_summary(s) for s in (900, 899.2, 75.9, 30, -3)] == [
        "seat hold 15 min", "seat hold 15 min", "seat hold 1 min", "seat hold 30 s", "seat hold 0 s"]


def test_cancellations_and_refunds_name_their_booking_amount_and_reason() -> None:
    booking_id = uuid.UUID("1a2b3c4d-0000-4000-8000-000000000000")
    assert cancellation_summary(booking_id) == "Huỷ vé · booking 1a2b3c4d"
    assert cancellation_summary(booking_id, "Showtime cancelled: projector") == (
        "Huỷ vé · booking 1a2b3c4d · Showtime cancelled: projector")
    assert refund_summary(94_000, "cancelled: by the customer") == "Hoàn tiền 94.000 ₫ · cancelled: by the customer"
    assert len(refund_summary(1, "x" * 500)) == 200  # a summary is one line
