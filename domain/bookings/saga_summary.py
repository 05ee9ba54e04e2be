"""What an operator reads about a booking saga in the Temporal UI: the one-line summary and the details it is
started with, and the line of current details it keeps up to date. Plain functions (deterministic: the
workflow calls them too), money as "188.000 ₫" and times in Asia/Ho_Chi_Minh."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.shared.time import LOCAL_TZ
from domain.showtimes.queries import ShowtimeCard
from domain.showtimes.schemas import SeatLine


def vnd(amount: int) -> str:
    """188000 → "188.000 ₫" (Vietnamese grouping)."""
    return f"{amount:,}".replace(",", ".") + " ₫"


def local(at: datetime, pattern: str = "%d/%m %H:%M") -> str:
    return at.astimezone(LOCAL_TZ).strftime(pattern)


def seat_labels(seats: Sequence[SeatLine]) -> str:
    return ", ".join(f"{s.row}{s.number}" for s in sorted(seats, key=lambda s: (s.row, s.number)))


def hold_summary(card: ShowtimeCard, seats: Sequence[SeatLine], total: int) -> str:
    """"2 ghế E1, E2 · Deadpool & Wolverine · CineViet Quận 1 · 02/12 19:30 · 188.000 ₫"."""
    return " · ".join([f"{len(seats)} ghế {seat_labels(seats)}", card.movie_title, card.cinema_name,
                       local(card.starts_at), vnd(total)])


def hold_details(card: ShowtimeCard, *, booking_id: uuid.UUID, user_id: uuid.UUID, seats: Sequence[SeatLine],
                 total: int, held_until: datetime, flash_sale: str | None = None) -> str:
    """The saga's fixed details (Temporal markdown): who, what, until when, and the ids to search by."""
    lines = [
        f"**Suất chiếu / Showtime:** {card.movie_title} · {card.cinema_name} · "
        f"{local(card.starts_at, '%d/%m/%Y %H:%M')}",
        f"**Ghế / Seats:** {seat_labels(seats)} ({', '.join(sorted({s.type for s in seats}))}) · {vnd(total)}",
        f"**Giữ đến / Held until:** {local(held_until, '%H:%M:%S')}",
        *([f"**Flash sale:** {flash_sale}"] if flash_sale else []),
        f"BookingId `{booking_id}` · UserId `{user_id}` · ShowtimeId `{card.showtime_id}` · "
        f"CinemaId `{card.cinema_id}`",
    ]
    return "\n\n".join(lines)


def current_details(state: str, *, step: str | None, step_status: str | None, held_until: datetime | None,
                    now: datetime) -> str:
    """The saga's current details: its state, the step it is at and how long the hold has left."""
    parts = [f"**{state}**"]
    if step:
        parts.append(f"step `{step}` {step_status or ''}".rstrip())
    if held_until is not None and held_until > now and state in _HOLDING:
        left = int((held_until - now).total_seconds()) // 60
        parts.append(f"hold ends {local(held_until, '%H:%M:%S')} ({left} min left)")
    return " · ".join(parts)


def hold_timer_summary(left_seconds: float) -> str:
    """The hold timer as the event history shows it: "seat hold 15 min" (whole minutes, or seconds under one)."""
    left = max(round(left_seconds), 0)
    return f"seat hold {round(left / 60)} min" if left >= 60 else f"seat hold {left} s"


def refund_summary(amount: int, reason: str) -> str:
    """A RefundWorkflow in the list: "Hoàn tiền 94.000 ₫ · cancelled: by the customer"."""
    return f"Hoàn tiền {vnd(amount)} · {reason}"[:200]


def cancellation_summary(booking_id: uuid.UUID, reason: str | None = None) -> str:
    """A CancellationWorkflow in the list: "Huỷ vé · booking 1a2b3c4d · Showtime cancelled: projector"."""
    return " · ".join(["Huỷ vé", f"booking {str(booking_id)[:8]}", *([reason] if reason else [])])[:200]


_HOLDING = {"SEATS_LOCKED", "VOUCHER_VALIDATED", "BOOKING_CREATED"}  # the hold still ticks
