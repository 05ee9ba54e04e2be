"""All SQL of the promotions context."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.models import ReservationStatus, Voucher, VoucherAssignment, VoucherReservation
from domain.promotions.rules import VoucherStatus


class PromotionsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def voucher_by_code(self, code: str, *, for_update: bool = False) -> Voucher | None:
        stmt = select(Voucher).where(Voucher.code == code.upper())
        if for_update:  # a reservation's checks and its use count run under the voucher's row lock
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return (await self.session.exec(stmt)).one_or_none()

    async def add(self, row: Voucher | VoucherReservation) -> None:
        self.session.add(row)
        await self.session.flush()

    async def take_one_use(self, voucher_id: uuid.UUID) -> bool:
        """Count one use if any is left; one statement, so concurrent sagas never overuse a voucher."""
        stmt = (update(Voucher)
                .where(col(Voucher.id) == voucher_id, col(Voucher.status) == VoucherStatus.ACTIVE,
                       col(Voucher.usage_limit).is_(None) | (col(Voucher.used_count) < col(Voucher.usage_limit)))
                .values(used_count=Voucher.used_count + 1)
                .returning(col(Voucher.id)))
        return (await self.session.exec(stmt)).first() is not None  # type: ignore[call-overload]

    async def give_back_use(self, voucher_id: uuid.UUID) -> None:
        stmt = (update(Voucher).where(col(Voucher.id) == voucher_id, col(Voucher.used_count) > 0)
                .values(used_count=Voucher.used_count - 1))
        await self.session.exec(stmt)  # type: ignore[call-overload]

    async def reservation_for_update(self, booking_id: uuid.UUID) -> VoucherReservation | None:
        stmt = (select(VoucherReservation).where(VoucherReservation.booking_id == booking_id)
                .with_for_update().execution_options(populate_existing=True))
        return (await self.session.exec(stmt)).one_or_none()

    async def live_uses_of(self, voucher_id: uuid.UUID, user_id: uuid.UUID) -> int:
        """The user's uses of the voucher that count: reserved or used (released ones came back)."""
        stmt = select(func.count()).select_from(VoucherReservation).where(
            VoucherReservation.voucher_id == voucher_id, VoucherReservation.user_id == user_id,
            VoucherReservation.status != ReservationStatus.RELEASED)
        return (await self.session.exec(stmt)).one()

    async def is_assigned(self, voucher_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        stmt = select(VoucherAssignment.id).where(VoucherAssignment.voucher_id == voucher_id,
                                                  VoucherAssignment.user_id == user_id)
        return (await self.session.exec(stmt)).first() is not None

    async def vouchers(self, *, status: VoucherStatus | None, now: datetime, offset: int,
                       limit: int) -> tuple[list[Voucher], int]:
        """Vouchers by their status as the dates make it: Expired once the end has passed."""
        conditions: list[Any] = {
            None: [], VoucherStatus.INACTIVE: [col(Voucher.status) == VoucherStatus.INACTIVE],
            VoucherStatus.ACTIVE: [col(Voucher.status) == VoucherStatus.ACTIVE, col(Voucher.ends_at) > now],
            VoucherStatus.EXPIRED: [col(Voucher.status) != VoucherStatus.INACTIVE, col(Voucher.ends_at) <= now],
        }[status]
        total = (await self.session.exec(select(func.count()).select_from(Voucher).where(*conditions))).one()
        stmt = (select(Voucher).where(*conditions).order_by(col(Voucher.created_at).desc(), col(Voucher.id))
                .offset(offset).limit(limit))
        return list((await self.session.exec(stmt)).all()), total
