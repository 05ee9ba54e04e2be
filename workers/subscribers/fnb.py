"""The F&B service reacts to bookings: a paid booking cancelled before pickup puts its pre-order back on the shelf."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import BookingCancelled, EventEnvelope, Topic
from domain.fnb import stock as fnb_stock
from infra.events.consumer import Subscription


def cancelled_orders() -> Subscription:
    """booking.cancelled of a paid booking → its sold F&B units return to stock (kind Return), unless the
    order was collected. An unpaid booking's units were released by its saga already."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, BookingCancelled)
        if data.was_paid:
            await fnb_stock.give_back(session, booking_id=data.booking_id)

    return Subscription(group="fnb.cancelled-orders", schema="fnb", topics=(Topic.BOOKING_CANCELLED,), handle=handle)
