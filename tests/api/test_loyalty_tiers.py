"""Tiers after a booking, over HTTP: a confirmed booking's amount counts toward the 12-month net spend (through
booking.confirmed), lifts the member as soon as it reaches a tier, and GET /api/promotions/loyalty-points shows
the tier, the progress to the next one and the points expiring soon."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlmodel import select

from domain.bookings.models import Booking
from domain.contracts.events import BookingCancelled, Topic
from domain.promotions import membership
from domain.promotions.models import LoyaltyTransaction, LoyaltyType, SpendKind
from domain.promotions.tiers import add_months
from domain.shared.outbox import OUTBOX, emit
from domain.shared.time import local_midnight, utcnow
from domain.users import service as users_service
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings
from tests.bookings_support import confirmed_booking, make_showtime
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("worker")


async def loyalty_page(client: httpx.AsyncClient, user: Any) -> dict[str, Any]:
    response = await client.get("/api/promotions/loyalty-points", headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_confirmed_booking_lifts_a_member_to_silver(client: httpx.AsyncClient, sessionmaker: SessionMaker,
                                                            redis: Redis, make_user: Any,
                                                            settings: Settings) -> None:
    member = await make_user()
    async with unit_of_work(sessionmaker) as session:  # 1,990,000 VND paid last month
        await membership.record_spend(session, user_id=member.id, booking_id=uuid.uuid4(), kind=SpendKind.PAID,
                                      amount=1_990_000, at=utcnow() - timedelta(days=30))
    before = await loyalty_page(client, member)
    assert {k: before[k] for k in ("tier", "membershipTier", "netSpend12m", "nextTier", "toNextTier")} == {
        "tier": "Bronze", "membershipTier": "Bronze", "netSpend12m": 1_990_000, "nextTier": "Silver",
        "toNextTier": 10_000}

    showtime = await make_showtime(sessionmaker)
    booking_id = await confirmed_booking(sessionmaker, redis, user_id=member.id, showtime=showtime, labels=["A1"],
                                         secret=settings.ticket_secret.get_secret_value())
    async with sessionmaker() as session:
        paid = (await session.exec(select(Booking.final_amount).where(Booking.id == booking_id))).one()

    after = await eventually(lambda: loyalty_page(client, member), lambda page: page["tier"] == "Silver")
    net = 1_990_000 + paid
    assert {k: after[k] for k in ("tier", "membershipTier", "netSpend12m", "nextTier", "toNextTier")} == {
        "tier": "Silver", "membershipTier": "Silver", "netSpend12m": net, "nextTier": "Gold",
        "toNextTier": 5_000_000 - net}
    async with sessionmaker() as session:
        outbox = OUTBOX["promotions"]
        events = (await session.exec(select(outbox.c.envelope).where(  # type: ignore[call-overload]
            outbox.c.topic == Topic.LOYALTY_TIER_CHANGED.value, outbox.c.aggregate_id == str(member.id)))).all()
    assert [envelope["data"] for envelope in events] == [
        {"userId": str(member.id), "oldTier": "Bronze", "newTier": "Silver", "netSpend": net}]


async def test_the_page_warns_of_points_expiring_within_30_days(client: httpx.AsyncClient,
                                                                sessionmaker: SessionMaker, make_user: Any) -> None:
    member = await make_user()
    today = membership.local_day(utcnow())
    soon, later = add_months(today, -12) + timedelta(days=10), add_months(today, -12) + timedelta(days=60)
    async with unit_of_work(sessionmaker) as session:
        for day, points in ((soon, 40), (later, 25)):
            session.add(LoyaltyTransaction(user_id=member.id, booking_id=uuid.uuid4(), points=points,
                                           type=LoyaltyType.EARN, created_at=local_midnight(day) + timedelta(hours=19)))
            await users_service.add_loyalty_points(session, user_id=member.id, points=points)
        session.add(LoyaltyTransaction(user_id=member.id, points=-15, type=LoyaltyType.REDEEM,
                                       created_at=utcnow() - timedelta(days=1)))
        await users_service.add_loyalty_points(session, user_id=member.id, points=-15)

    page = await loyalty_page(client, member)

    assert page["balance"] == 50
    # The 15 spent came off the oldest points: 25 of the 40 are left to expire on their first anniversary.
    assert page["expiringSoon"] == [{"points": 25, "expiresOn": add_months(soon, 12).isoformat()}]
    assert page["total"] == 3


async def test_a_refund_takes_off_the_spend_but_the_tier_waits_for_the_nightly_review(
        client: httpx.AsyncClient, sessionmaker: SessionMaker, make_user: Any) -> None:
    member, booking_id = await make_user(), uuid.uuid4()
    async with unit_of_work(sessionmaker) as session:
        await membership.record_spend(session, user_id=member.id, booking_id=booking_id, kind=SpendKind.PAID,
                                      amount=2_500_000, at=utcnow() - timedelta(days=3))
        await membership.upgrade_after_booking(session, user_id=member.id, day=membership.local_day(utcnow()))
        # As the cancellation of a paid booking writes it (bookings' outbox), refunding 1,000,000 VND of it.
        await emit(session, Topic.BOOKING_CANCELLED, BookingCancelled(
            booking_id=booking_id, user_id=member.id, showtime_id=uuid.uuid4(), status="Cancelled", was_paid=True,
            refund_amount=1_000_000, cancelled_at=utcnow()), aggregate_id=booking_id)

    page = await eventually(lambda: loyalty_page(client, member), lambda p: p["netSpend12m"] == 1_500_000)

    assert (page["netSpend12m"], page["tier"], page["nextTier"], page["toNextTier"]) == (
        1_500_000, "Silver", "Gold", 3_500_000)
