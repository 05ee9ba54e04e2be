"""Loyalty points: earned on paid bookings, revoked when they are refunded. Rules pure, ledger in SQL."""

from __future__ import annotations

import uuid

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.models import LoyaltyTransaction, LoyaltyType
from domain.users import service as users_service

VND_PER_POINT = 10_000  # 1 point for every 10,000 VND paid


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


async def earn(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID, amount_paid: int) -> int:
    """Credit the points of a paid booking once; returns the points credited (0 when already done)."""
    points = points_for(amount_paid)
    row = LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=points, type=LoyaltyType.EARN,
                             description=f"Booking {booking_id}")
    return points if points and await _record(session, row) else 0


async def revoke(session: AsyncSession, *, user_id: uuid.UUID, booking_id: uuid.UUID) -> int:
    """Take back what a booking earned (once); nothing earned, nothing revoked."""
    earned = (await session.exec(select(LoyaltyTransaction.points).where(
        LoyaltyTransaction.booking_id == booking_id, LoyaltyTransaction.type == LoyaltyType.EARN))).first()
    if not earned:
        return 0
    row = LoyaltyTransaction(user_id=user_id, booking_id=booking_id, points=-earned, type=LoyaltyType.REVOKE,
                             description=f"Booking {booking_id} refunded")
    return earned if await _record(session, row) else 0


async def history(session: AsyncSession, *, user_id: uuid.UUID, offset: int,
                  limit: int) -> tuple[list[LoyaltyTransaction], int]:
    where = col(LoyaltyTransaction.user_id) == user_id
    total = (await session.exec(select(func.count()).select_from(LoyaltyTransaction).where(where))).one()
    rows = (await session.exec(select(LoyaltyTransaction).where(where).order_by(
        col(LoyaltyTransaction.created_at).desc()).offset(offset).limit(limit))).all()
    return list(rows), total
