"""Loyalty points: earned on paid bookings, revoked when they are refunded. Rules pure, ledger in SQL."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions import assignments
from domain.promotions import service as promotions_service
from domain.promotions.models import LoyaltyTransaction, LoyaltyType, Voucher
from domain.promotions.rules import VoucherType
from domain.promotions.schemas import VoucherCreate
from domain.promotions.tiers import DEFAULT_POLICY, TierPolicy, earned_points
from domain.shared.errors import Conflict, InvalidInput
from domain.users import service as users_service
from domain.users.models import MembershipTier

VND_PER_POINT = 10_000  # 1 point for every 10,000 VND paid
POINT_VALUE_VND = 1_000  # what a point is worth when it is spent
REDEEMED_VOUCHER_DAYS = 180  # how long a voucher bought with points stays valid


TENDER_CAP_PERCENT = 50  # points pay at most this share of what is left to pay after the voucher


class PointsNotEnough(Conflict):
    code = "POINTS_NOT_ENOUGH"


class PointsOverCap(InvalidInput):
    code = "POINTS_OVER_CAP"


class PointsReleased(Conflict):
    code = "POINTS_RELEASED"


def tender_value(points: int, *, amount_due: int) -> int:
    """VND that `points` pay of `amount_due` (1 point = POINT_VALUE_VND); refuses more than the cap allows,
    saying the most points that may be used."""
    cap = amount_due * TENDER_CAP_PERCENT // 100
    value = points * POINT_VALUE_VND
    if value > cap:
        most = cap // POINT_VALUE_VND
        raise PointsOverCap(f"Points pay at most {TENDER_CAP_PERCENT}% of this booking: {most:,} points.",
                            {"maxPoints": most})
    return value


def restored_share(points: int, refund_percent: int) -> int:
    """Points given back when a booking that spent `points` is cancelled with `refund_percent` refunded
    (whole points, rounded down: the same share as the money)."""
    return points * max(0, min(refund_percent, 100)) // 100


def revoked_share(earned: int, refund_percent: int) -> int:
    """Earned points taken back when `refund_percent` of a booking's money is refunded: the same share, whole
    points rounded down (the points kept are those the money kept would earn, or one more)."""
    return earned * max(0, min(refund_percent, 100)) // 100


def refunded_points(earned: int, *, refunded: int, paid: int) -> int:
    """Earned points taken back once `refunded` of the `paid` VND went back: the same share, rounded down."""
    if paid <= 0:
        return 0
    return earned * max(0, min(refunded, paid)) // paid


def voucher_value(points: int) -> int:
    """VND a voucher bought with these points takes off (whole points at POINT_VALUE_VND)."""
    return points * POINT_VALUE_VND


def points_for(amount_paid: int) -> int:
    """Points a paid amount earns (whole points, rounded down)."""
    return max(amount_paid, 0) // VND_PER_POINT


async def _record(session: AsyncSession, row: LoyaltyTransaction) -> bool:
    existing = (await session.exec(select(LoyaltyTransaction).where(
        LoyaltyTransaction.booking_id == row.booking_id, LoyaltyTransaction.type == row.type))).first()
    if existing is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:  # the same step ran twice at once
        return False
    await users_service.add_loyalty_points(session, user_id=row.user_id, points=row.points)
    return True


async def earn(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, amount_paid: int,
               policy: TierPolicy = DEFAULT_POLICY) -> int:
    """Credit the points of a paid booking once, times the member's tier multiplier at that moment; returns the
    points credited (0 when already done)."""
    profile = (await users_service.profiles_by_id(session, user_ids=[user_id])).get(user_id)
    tier = profile.membership_tier if profile is not None else MembershipTier.BRONZE
    points = earned_points(points_for(amount_paid), tier, policy)
    row = LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=points, type=LoyaltyType.EARN,
                             description=f"Booking {booking_id}")
    return points if points and await _record(session, row) else 0


async def revoke(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID,
                 refund_percent: int = 100) -> int:
    """Take back what a booking earned in the share its cancellation refunded (`revoked_share`); returns the
    points taken now (0 when that share is taken already, or nothing was earned)."""
    return await _revoke_up_to(session, user_id=user_id, booking_id=booking_id,
                               share=lambda earned: revoked_share(earned, refund_percent),
                               why=f"refunded ({min(refund_percent, 100)}%)")


async def revoke_refunded(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, refunded: int,
                          paid: int) -> int:
    """The same for any refund of its payment (one at the payments desk that keeps the ticket too): `refunded`
    is all that went back so far of the `paid` VND, so a repeated or out-of-order report takes nothing twice."""
    return await _revoke_up_to(session, user_id=user_id, booking_id=booking_id,
                               share=lambda earned: refunded_points(earned, refunded=refunded, paid=paid),
                               why=f"{refunded:,} of {paid:,} VND refunded")


async def _revoke_up_to(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID,
                        share: Callable[[int], int], why: str) -> int:
    """Revoke rows of a booking add up to `share(earned)` at least: only the part not taken yet is taken now
    (a transaction lock per booking, so two refunds at once cannot both take the same part)."""
    await _lock_booking(session, booking_id)
    sums = dict((await session.exec(select(LoyaltyTransaction.type, func.sum(LoyaltyTransaction.points)).where(
        LoyaltyTransaction.booking_id == booking_id,
        col(LoyaltyTransaction.type).in_([LoyaltyType.EARN, LoyaltyType.REVOKE])).group_by(
        LoyaltyTransaction.type))).all())
    more = share(int(sums.get(LoyaltyType.EARN) or 0)) + int(sums.get(LoyaltyType.REVOKE) or 0)
    if more <= 0:
        return 0
    session.add(LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=-more, type=LoyaltyType.REVOKE,
                                   description=f"Booking {booking_id} {why}"))
    await users_service.add_loyalty_points(session, user_id=user_id, points=-more)
    return more


async def redeem_for_voucher(session: AsyncSession, *, user_id: uuid.UUID, points: int,
                             now: datetime) -> tuple[Voucher, int]:
    """Turn points into a personal FixedAmount voucher worth `voucher_value(points)` (one use, this user only,
    REDEEMED_VOUCHER_DAYS long): the points leave the balance and the ledger in one transaction, or the balance
    is short and nothing changes. Returns the voucher and the balance left."""
    left = await users_service.take_loyalty_points(session, user_id=user_id, points=points)
    if left is None:
        balance = (await users_service.loyalty(session, user_id=user_id)).points
        raise PointsNotEnough(f"You have {balance:,} points; {points:,} were asked for.", {"balance": balance})
    value = voucher_value(points)
    voucher = await promotions_service.create_voucher(session, data=VoucherCreate(
        code=f"DIEM{secrets.token_hex(4).upper()}",
        description=f"{points:,} điểm thưởng → {value:,} ₫".replace(",", "."),
        type=VoucherType.FIXED_AMOUNT, value=value, starts_at=now, ends_at=now + timedelta(days=REDEEMED_VOUCHER_DAYS),
        usage_limit=1, per_user_limit=1, personal=True))
    session.add(LoyaltyTransaction(user_id=user_id, points=-points, type=LoyaltyType.REDEEM,
                                   description=f"Voucher {voucher.code}"))
    await assignments.give(session, voucher_id=voucher.id, user_ids=[user_id], source="Loyalty", now=now)
    return voucher, left


async def _lock_booking(session: AsyncSession, booking_id: uuid.UUID) -> None:
    """Spend and restore of one booking take turns (a transaction lock), so a late spend and its
    compensation can never both pass their checks."""
    await session.exec(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))").bindparams(  # type: ignore[call-overload]
        key=f"loyalty:{booking_id}"))


async def spend(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, points: int,
                amount_due: int) -> int:
    """Spend points as a tender on a booking: the VND they pay. Idempotent on the booking (a retry answers the
    same); refused when the balance is short, over the cap, or the booking's points were given back already
    (a late retry after its compensation)."""
    await _lock_booking(session, booking_id)
    found = {row.type: row for row in (await session.exec(select(LoyaltyTransaction).where(
        LoyaltyTransaction.booking_id == booking_id,
        col(LoyaltyTransaction.type).in_([LoyaltyType.REDEEM, LoyaltyType.RESTORE])))).all()}
    if LoyaltyType.RESTORE in found:
        raise PointsReleased("This booking's points were given back.", {"bookingId": str(booking_id)})
    if LoyaltyType.REDEEM in found:
        return -found[LoyaltyType.REDEEM].points * POINT_VALUE_VND
    value = tender_value(points, amount_due=amount_due)
    if await users_service.take_loyalty_points(session, user_id=user_id, points=points) is None:
        balance = (await users_service.loyalty(session, user_id=user_id)).points
        raise PointsNotEnough(f"You have {balance:,} points; {points:,} were asked for.", {"balance": balance})
    session.add(LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=-points, type=LoyaltyType.REDEEM,
                                   description=f"Booking {booking_id}"))
    await session.flush()  # the unique (booking, type) refuses a second spend running at once
    return value


async def restore(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID,
                  refund_percent: int = 100) -> int:
    """Give back the points a booking spent (its share when partly refunded), once. With nothing spent yet it
    still records the booking's Restore (0 points), so a spend arriving late is refused."""
    await _lock_booking(session, booking_id)
    spent = (await session.exec(select(LoyaltyTransaction.points).where(
        LoyaltyTransaction.booking_id == booking_id, LoyaltyTransaction.type == LoyaltyType.REDEEM))).first()
    back = restored_share(-spent, refund_percent) if spent else 0
    row = LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=back, type=LoyaltyType.RESTORE,
                             description=f"Booking {booking_id} ended")
    return back if await _record(session, row) else 0


async def history(session: AsyncSession, *, user_id: uuid.UUID, offset: int,
                  limit: int) -> tuple[list[LoyaltyTransaction], int]:
    where = (col(LoyaltyTransaction.user_id) == user_id) & (col(LoyaltyTransaction.points) != 0)  # no markers
    total = (await session.exec(select(func.count()).select_from(LoyaltyTransaction).where(where))).one()
    rows = (await session.exec(select(LoyaltyTransaction).where(where).order_by(
        col(LoyaltyTransaction.created_at).desc()).offset(offset).limit(limit))).all()
    return list(rows), total
