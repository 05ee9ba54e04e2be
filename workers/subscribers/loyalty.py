"""The promotions service follows bookings for the tiers: what each paid booking cost and what came back is its
spend record (loyalty_spend), and a member whose 12-month net spend reaches a higher tier moves up at once.
Tiers only fall in the nightly review (workflows/loyalty_schedule.py)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import BookingCancelled, BookingConfirmed, EventEnvelope, Topic
from domain.promotions import membership
from domain.promotions.models import SpendKind
from domain.promotions.tiers import TierPolicy
from infra.events.consumer import Subscription


def tier_upgrades(policy: TierPolicy) -> Subscription:
    """booking.confirmed → its amount paid counts; booking.cancelled of a paid booking → its refund is taken off.
    Then the member's tier is lifted if the net spend reaches a higher one (as of the event's local day)."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        if isinstance(data, BookingConfirmed):
            kind, amount, at = SpendKind.PAID, data.final_amount, data.confirmed_at
        else:
            assert isinstance(data, BookingCancelled)
            if not (data.was_paid and data.refund_amount):
                return
            kind, amount, at = SpendKind.REFUNDED, data.refund_amount, data.cancelled_at
        if amount and await membership.record_spend(session, user_id=data.user_id, booking_id=data.booking_id,
                                                    kind=kind, amount=amount, at=at):
            await membership.upgrade_after_booking(session, user_id=data.user_id, day=membership.local_day(at),
                                                   policy=policy)

    return Subscription(group="promotions.loyalty-tiers", schema="promotions",
                        topics=(Topic.BOOKING_CONFIRMED, Topic.BOOKING_CANCELLED), handle=handle)
