"""Mails about bookings, in Vietnamese then English."""

from __future__ import annotations

import html
import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.bookings import service as bookings_service
from domain.bookings.refunds import RefundNotice
from domain.bookings.schemas import CancellationPlan
from domain.cinemas import service as cinemas_service
from domain.movies import service as movies_service
from domain.notifications.schemas import OutgoingMail
from domain.shared.time import LOCAL_TZ
from domain.showtimes import service as showtimes_service
from domain.users import service as users_service


async def confirmation(session: AsyncSession, *, booking_id: uuid.UUID) -> OutgoingMail:
    """Tell the customer their tickets are confirmed, with the ticket code their QR carries."""
    booking, seats = await bookings_service.get(session, booking_id=booking_id)
    profile = await users_service.get_profile(session, user_id=booking.user_id)
    showtime = await showtimes_service.get_showtime(session, showtime_id=booking.showtime_id)
    movie = await movies_service.get_movie(session, movie_id=showtime.movie_id)
    cinema = await cinemas_service.get_cinema(session, cinema_id=showtime.cinema_id)
    when = showtime.start_time.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
    seat_list = ", ".join(f"{s.row}{s.number}" for s in seats)
    fnb = (await bookings_service.fnb_lines(session, booking_ids=[booking_id]))[booking_id]
    lines = [
        f"Vé của bạn đã được xác nhận / Your tickets are confirmed: {movie.title}",
        f"Rạp / Cinema: {cinema.name} — {cinema.address}",
        f"Suất chiếu / Showtime: {when}",
        f"Ghế / Seats: {seat_list}",
        *(["Bắp nước / Food & drinks (nhận tại quầy bằng mã vé / collect at the counter with your ticket): "
           + ", ".join(f"{line.quantity} × {line.name} ({line.amount:,} VND)" for line in fnb)] if fnb else []),
        f"Thành tiền / Paid: {booking.final_amount:,} VND",
        f"Mã vé / Ticket code: {booking.qr_code}",
    ]
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return OutgoingMail(to=profile.email, subject=f"Xác nhận đặt vé / Booking confirmed — {movie.title}",
                        text="\n".join(lines) + "\n", html=body)


async def cancellation(session: AsyncSession, *, plan: CancellationPlan) -> OutgoingMail:
    """Tell the customer their booking is cancelled, and what comes back to them."""
    profile = await users_service.get_profile(session, user_id=plan.user_id)
    showtime = await showtimes_service.get_showtime(session, showtime_id=plan.showtime_id)
    movie = await movies_service.get_movie(session, movie_id=showtime.movie_id)
    when = showtime.start_time.astimezone(LOCAL_TZ).strftime("%H:%M %d/%m/%Y")
    lines = [
        f"Đặt vé đã được huỷ / Your booking is cancelled: {movie.title}, {when}",
        f"Hoàn tiền / Refund: {plan.refund_amount or plan.refunded_already:,} VND ({plan.refund_percent}%)",
        "Tiền hoàn về phương thức thanh toán ban đầu / The refund goes back to your original payment method.",
    ]
    return OutgoingMail(to=profile.email, subject=f"Huỷ đặt vé / Booking cancelled — {movie.title}",
                        text="\n".join(lines) + "\n", html="".join(f"<p>{html.escape(line)}</p>" for line in lines))


async def refund_notice(session: AsyncSession, *, notice: RefundNotice) -> OutgoingMail | None:
    """Tell the customer an automatic refund went through (e.g. their payment came after the hold ended)."""
    try:
        booking, _ = await bookings_service.get(session, booking_id=notice.booking_id)
    except bookings_service.BookingNotFound:
        return None
    profile = await users_service.get_profile(session, user_id=booking.user_id)
    lines = [
        f"Chúng tôi đã hoàn {notice.amount:,} VND cho bạn / We refunded {notice.amount:,} VND to you.",
        "Khoản thanh toán không thể đổi thành vé (ví dụ: đến sau khi hết thời gian giữ ghế). / The payment "
        "could not become a ticket (for example, it arrived after your seat hold ended).",
        f"Mã đặt vé / Booking: {notice.booking_id}",
    ]
    return OutgoingMail(to=profile.email, subject="Hoàn tiền / Refund — Cinema",
                        text="\n".join(lines) + "\n", html="".join(f"<p>{html.escape(line)}</p>" for line in lines))
