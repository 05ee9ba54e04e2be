"""The promotions service follows bookings and payments for the loyalty programme: what each paid booking cost and
what came back is its spend record (loyalty_spend), a member whose 12-month net spend reaches a higher tier moves
up at once, and money refunded takes back the same share of the points it earned. Tiers only fall in the nightly
review (workflows/loyalty_schedule.py)."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import BookingCancelled, BookingConfirmed, EventEnvelope, PaymentRefunded, Topic
from domain.promotions import loyalty, membership
from domain.promotions.models import SpendKind
from domain.promotions.tiers import TierPolicy
from infra.events.consumer import Subscription


def tier_upgrades(policy: TierPolicy) -> Subscription:
    """booking.confirmed → its amount paid counts, and the member's tier is lifted if the net spend reaches a
    higher one (as of the event's local day); booking.cancelled of a paid booking → its refund is taken off."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        if isinstance(data, BookingConfirmed):
            if data.final_amount and await membership.record_spend(
                    session, user_id=data.user_id, booking_id=data.booking_id, kind=SpendKind.PAID,
                    amount=data.final_amount, at=data.confirmed_at):
                await membership.upgrade_after_booking(session, user_id=data.user_id,
                                                       day=membership.local_day(data.confirmed_at), policy=policy)
            return
        assert isinstance(data, BookingCancelled)
        if data.was_paid and data.refund_amount:
            await membership.record_refund(session, user_id=data.user_id, booking_id=data.booking_id,
                                           refunded=data.refund_amount, at=data.cancelled_at)

    return Subscription(group="promotions.loyalty-tiers", schema="promotions",
                        topics=(Topic.BOOKING_CONFIRMED, Topic.BOOKING_CANCELLED), handle=handle)


def refunded_shares() -> Subscription:
    """payment.refunded → the booking's points and spend follow all that is refunded of its payment: a goodwill
    refund at the payments desk that keeps the ticket takes back its share too (a cancellation's own refund finds
    its share taken already). Events written before they carried the payment's totals are passed over."""

    async def handle(session: AsyncSession, event: EventEnvelope) -> None:
        data = event.payload()
        assert isinstance(data, PaymentRefunded)
        if data.user_id is None or data.refunded_total is None or not data.paid_amount:
            return
        await loyalty.revoke_refunded(session, user_id=data.user_id, booking_id=data.booking_id,
                                      refunded=data.refunded_total, paid=data.paid_amount)
        await membership.record_refund(session, user_id=data.user_id, booking_id=data.booking_id,
                                       refunded=data.refunded_total, at=data.refunded_at)

    return Subscription(group="promotions.refunded-shares", schema="promotions", topics=(Topic.PAYMENT_REFUNDED,),
                        handle=handle)
