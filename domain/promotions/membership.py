"""Membership tiers and points expiry in SQL: the spend rows behind the tiers, the upgrade after a booking, the
nightly review of one local day (tiers both ways, expiry), and a member's standing. The rules are in tiers.py.

Net spend is the promotions service's own record (loyalty_spend), fed by booking.confirmed (+ what was paid),
booking.cancelled of a paid booking and payment.refunded (- all that is refunded of it), so it never reads the
bookings schema. The profile's `membership_tier` (users service) is the tier everyone reads; only this module
changes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, union
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.contracts.events import TierChanged, Topic
from domain.promotions import tiers
from domain.promotions.models import LoyaltyReview, LoyaltySpend, LoyaltyTransaction, LoyaltyType, SpendKind
from domain.promotions.tiers import DEFAULT_POLICY, PointsLot, TierPolicy
from domain.shared.outbox import emit
from domain.shared.time import LOCAL_TZ, local_midnight
from domain.users import service as users_service
from domain.users.models import MembershipTier, UserProfile


class TierChange(TierChanged):
    """loyalty.tier.changed as written: the contract's fields and the net spend that decided it."""

    net_spend: int


@dataclass(frozen=True)
class ReviewedPage:
    next_after: uuid.UUID | None  # None: no member left after this page
    reviewed: int  # members reviewed now (a member already reviewed for the day is skipped)
    tier_changes: int
    expired_points: int


@dataclass(frozen=True)
class Standing:
    net_spend: int
    progress: tiers.TierProgress
    expiring: list[tuple[date, int]]


async def record_refund(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, refunded: int,
                        at: datetime) -> bool:
    """A paid booking's money given back, as all that is refunded of it so far (`refunded`, at most what it
    paid): its one Refunded row only grows, so a repeated, late or partial report changes nothing twice. Money
    refunded of a booking that never counted as paid (a late payment sent back) is not spend. False: no change."""
    paid = (await session.exec(select(LoyaltySpend.amount).where(
        LoyaltySpend.booking_id == booking_id, LoyaltySpend.kind == SpendKind.PAID))).first()
    if not paid or refunded <= 0:
        return False
    amount = -min(refunded, paid)
    table = LoyaltySpend.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(id=uuid.uuid4(), user_id=user_id, booking_id=booking_id, kind=SpendKind.REFUNDED,
                                amount=amount, at=at).on_conflict_do_update(
        index_elements=["booking_id", "kind"], set_={"amount": amount, "at": at},
        where=table.c.amount > amount).returning(table.c.id)
    return (await session.exec(stmt)).first() is not None  # type: ignore[call-overload]


async def record_spend(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, kind: SpendKind,
                       amount: int, at: datetime) -> bool:
    """Record what a booking paid or got back, once per booking and kind; False when it was there already."""
    if (await session.exec(select(LoyaltySpend.id).where(
            LoyaltySpend.booking_id == booking_id, LoyaltySpend.kind == kind))).first() is not None:
        return False
    signed = abs(amount) if kind is SpendKind.PAID else -abs(amount)
    try:
        async with session.begin_nested():
            session.add(LoyaltySpend(user_id=user_id, booking_id=booking_id, kind=kind, amount=signed, at=at))
            await session.flush()
    except IntegrityError:  # the same event handled twice at once
        return False
    return True


async def net_spend(session: AsyncSession, *, user_id: uuid.UUID, day: date) -> int:
    """VND paid minus VND refunded in the 12 local months that end with `day`."""
    stmt = select(func.coalesce(func.sum(LoyaltySpend.amount), 0)).where(
        LoyaltySpend.user_id == user_id, col(LoyaltySpend.at) >= local_midnight(tiers.spend_window_start(day)),
        col(LoyaltySpend.at) < _end_of(day))
    return int((await session.exec(stmt)).one())


def _end_of(day: date) -> datetime:
    return local_midnight(day + timedelta(days=1))


async def _ledger(session: AsyncSession, *, user_id: uuid.UUID, until: datetime) -> tuple[list[PointsLot], int]:
    """The member's credits (Earn, Restore) per local day, and every point debited, up to `until`."""
    earned_on = func.date(func.timezone(str(LOCAL_TZ), LoyaltyTransaction.created_at))
    mine = (col(LoyaltyTransaction.user_id) == user_id) & (col(LoyaltyTransaction.created_at) < until)
    credits = (await session.exec(select(earned_on, func.sum(LoyaltyTransaction.points)).where(
        mine, col(LoyaltyTransaction.points) > 0).group_by(earned_on))).all()
    debited = (await session.exec(select(func.coalesce(-func.sum(LoyaltyTransaction.points), 0)).where(
        mine, col(LoyaltyTransaction.points) < 0))).one()
    return [PointsLot(day, int(points)) for day, points in credits], int(debited)


async def _change_tier(session: AsyncSession, profile: UserProfile, new: MembershipTier, spend: int) -> None:
    old, profile.membership_tier = profile.membership_tier, new
    session.add(profile)
    await session.flush()
    await emit(session, Topic.LOYALTY_TIER_CHANGED, TierChange(user_id=profile.id, old_tier=old, new_tier=new,
                                                               net_spend=spend), aggregate_id=profile.id)


async def upgrade_after_booking(session: AsyncSession, *, user_id: uuid.UUID, day: date,
                                policy: TierPolicy = DEFAULT_POLICY) -> MembershipTier | None:
    """Lift the member's tier if the net spend up to `day` reaches a higher one (never lowers it: that is the
    nightly review's); returns the new tier, or None when it stays."""
    profile = (await users_service.profiles_by_id(session, user_ids=[user_id])).get(user_id)
    if profile is None:
        return None
    spend = await net_spend(session, user_id=user_id, day=day)
    new = tiers.upgraded(profile.membership_tier, spend, policy)
    if new is profile.membership_tier:
        return None
    await _change_tier(session, profile, new, spend)
    return new


async def _members(session: AsyncSession, *, after: uuid.UUID | None, limit: int,
                   only: Sequence[uuid.UUID] | None) -> list[uuid.UUID]:
    """One page, in id order, of the users with points or spend on record."""
    known = union(select(col(LoyaltyTransaction.user_id).label("user_id")),
                  select(col(LoyaltySpend.user_id).label("user_id"))).subquery()
    stmt = select(known.c.user_id).order_by(known.c.user_id).limit(limit)
    if after is not None:
        stmt = stmt.where(known.c.user_id > after)
    if only is not None:
        stmt = stmt.where(known.c.user_id.in_(list(only)))
    return list((await session.exec(stmt)).all())  # type: ignore[call-overload]


async def review_page(session: AsyncSession, *, day: date, after: uuid.UUID | None, limit: int,
                      only: Sequence[uuid.UUID] | None = None,
                      policy: TierPolicy = DEFAULT_POLICY) -> ReviewedPage:
    """Review one page of members for the local `day`: their tier follows the 12-month net spend (up or down)
    and the points due expire (oldest first). A member with a review of this day is skipped, so running the
    same day again changes nothing."""
    ids = await _members(session, after=after, limit=limit, only=only)
    done = set((await session.exec(select(LoyaltyReview.user_id).where(
        LoyaltyReview.day == day, col(LoyaltyReview.user_id).in_(ids)))).all()) if ids else set()
    profiles = await users_service.profiles_by_id(session, user_ids=[i for i in ids if i not in done])
    changes = expired_total = 0
    for user_id, profile in sorted(profiles.items()):
        spend = await net_spend(session, user_id=user_id, day=day)
        credits, debited = await _ledger(session, user_id=user_id, until=_end_of(day))
        expired = tiers.points_to_expire(credits, debited, day=day, balance=profile.loyalty_points, policy=policy)
        if expired:
            await users_service.take_loyalty_points(session, user_id=user_id, points=expired)
            session.add(LoyaltyTransaction(user_id=user_id, points=-expired, type=LoyaltyType.EXPIRE,
                                           description=f"Points older than {policy.expiry_months} months expired"
                                                       f" (review of {day.isoformat()})"))
        old, new = profile.membership_tier, tiers.tier_for(spend, policy)
        session.add(LoyaltyReview(user_id=user_id, day=day, net_spend=spend, tier_from=old, tier_to=new,
                                  expired_points=expired))
        if new is not old:
            await _change_tier(session, profile, new, spend)
            changes += 1
        expired_total += expired
    await session.flush()  # a concurrent review of the same member and day fails here, and is retried
    return ReviewedPage(next_after=ids[-1] if len(ids) == limit else None, reviewed=len(profiles),
                        tier_changes=changes, expired_points=expired_total)


async def standing(session: AsyncSession, *, user_id: uuid.UUID, tier: MembershipTier, today: date,
                   policy: TierPolicy = DEFAULT_POLICY) -> Standing:
    """The member's 12-month net spend, progress to the next tier, and points expiring soon."""
    spend = await net_spend(session, user_id=user_id, day=today)
    credits, debited = await _ledger(session, user_id=user_id, until=_end_of(today))
    return Standing(net_spend=spend, progress=tiers.progress(spend, tier, policy),
                    expiring=tiers.expiring_soon(credits, debited, today=today, policy=policy))


def local_day(at: datetime) -> date:
    return at.astimezone(LOCAL_TZ).date()
