"""What refunds take back of a booking's points and spend, on real PostgreSQL: `loyalty.revoke_refunded` and
`membership.record_refund` follow all that is refunded so far, so repeated, out-of-order and concurrent reports
take nothing twice, and a cancellation after a desk refund takes only the rest."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlmodel import col, select

from domain.promotions import loyalty, membership
from domain.promotions.models import LoyaltySpend, LoyaltyTransaction, LoyaltyType, SpendKind
from domain.shared.time import utcnow
from domain.users import service as users_service
from infra.db import SessionMaker, unit_of_work

PAID = 188_000  # earns 18 points


async def paid_booking(sessionmaker: SessionMaker, user_id: uuid.UUID) -> uuid.UUID:
    """A booking paid 188,000 VND: its 18 points earned and its spend recorded, as the saga and consumer do."""
    booking_id = uuid.uuid4()
    async with unit_of_work(sessionmaker) as session:
        assert await loyalty.earn(session, user_id=user_id, booking_id=booking_id, amount_paid=PAID) == 18
        await membership.record_spend(session, user_id=user_id, booking_id=booking_id, kind=SpendKind.PAID,
                                      amount=PAID, at=utcnow() - timedelta(days=1))
    return booking_id


async def refunded(sessionmaker: SessionMaker, user_id: uuid.UUID, booking_id: uuid.UUID, total: int) -> int:
    """What the promotions.refunded-shares consumer does with one payment.refunded; the points taken."""
    async with unit_of_work(sessionmaker) as session:
        taken = await loyalty.revoke_refunded(session, user_id=user_id, booking_id=booking_id, refunded=total,
                                              paid=PAID)
        await membership.record_refund(session, user_id=user_id, booking_id=booking_id, refunded=total, at=utcnow())
    return taken


async def state(sessionmaker: SessionMaker, user_id: uuid.UUID, booking_id: uuid.UUID) -> tuple[int, int, list[int]]:
    """(balance, spend rows' sum, the booking's Revoke rows)."""
    async with sessionmaker() as session:
        balance = (await users_service.loyalty(session, user_id=user_id)).points
        spend = sum((await session.exec(select(LoyaltySpend.amount).where(
            LoyaltySpend.booking_id == booking_id))).all())
        revokes = (await session.exec(select(LoyaltyTransaction.points).where(
            LoyaltyTransaction.booking_id == booking_id, LoyaltyTransaction.type == LoyaltyType.REVOKE).order_by(
            col(LoyaltyTransaction.created_at)))).all()
    return balance, spend, list(revokes)


async def test_each_refund_takes_only_the_share_not_taken_yet(sessionmaker: SessionMaker, make_user: Any) -> None:
    member = await make_user()
    booking_id = await paid_booking(sessionmaker, member.id)

    assert await refunded(sessionmaker, member.id, booking_id, 47_000) == 4  # a quarter: 4.5 → 4
    assert await refunded(sessionmaker, member.id, booking_id, 47_000) == 0  # the same report again
    assert await refunded(sessionmaker, member.id, booking_id, 94_000) == 5  # half in all: 9, 4 taken already
    assert await refunded(sessionmaker, member.id, booking_id, 47_000) == 0  # a late report of the first

    assert await state(sessionmaker, member.id, booking_id) == (9, PAID - 94_000, [-4, -5])


async def test_a_cancellation_after_a_desk_refund_takes_only_the_rest(sessionmaker: SessionMaker,
                                                                      make_user: Any) -> None:
    member = await make_user()
    booking_id = await paid_booking(sessionmaker, member.id)
    await refunded(sessionmaker, member.id, booking_id, 47_000)
    async with unit_of_work(sessionmaker) as session:  # the CancellationWorkflow's revoke_points, 100% refunded
        assert await loyalty.revoke(session, user_id=member.id, booking_id=booking_id, refund_percent=100) == 14
    await refunded(sessionmaker, member.id, booking_id, PAID)  # its refund's payment.refunded, later

    assert await state(sessionmaker, member.id, booking_id) == (0, 0, [-4, -14])


async def test_refunds_at_once_take_the_share_once(sessionmaker: SessionMaker, make_user: Any) -> None:
    member = await make_user()
    booking_id = await paid_booking(sessionmaker, member.id)

    await asyncio.gather(*(refunded(sessionmaker, member.id, booking_id, 94_000) for _ in range(6)))

    balance, spend, revokes = await state(sessionmaker, member.id, booking_id)
    assert (balance, spend, sum(revokes)) == (9, PAID - 94_000, -9)


async def test_money_back_on_a_booking_that_never_counted_is_not_spend(sessionmaker: SessionMaker,
                                                                       make_user: Any) -> None:
    """A late payment sent back automatically: nothing was earned or recorded, so nothing is taken."""
    member, booking_id = await make_user(), uuid.uuid4()
    assert await refunded(sessionmaker, member.id, booking_id, PAID) == 0
    assert await state(sessionmaker, member.id, booking_id) == (0, 0, [])
