"""All SQL of the payments context."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from domain.payments.models import Payment, PaymentStatus, Refund
from domain.payments.schemas import PaymentQuery

T = TypeVar("T")


class PaymentsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: Payment | Refund) -> None:
        self.session.add(row)
        await self.session.flush()

    async def payment(self, payment_id: uuid.UUID, *, for_update: bool = False) -> Payment | None:
        stmt = select(Payment).where(Payment.id == payment_id)
        return (await self.session.exec(_locked(stmt) if for_update else stmt)).one_or_none()

    async def payment_by_order_ref(self, order_ref: str, *, for_update: bool = False) -> Payment | None:
        stmt = select(Payment).where(Payment.order_ref == order_ref)
        return (await self.session.exec(_locked(stmt) if for_update else stmt)).one_or_none()

    async def live_payment_of(self, booking_id: uuid.UUID) -> Payment | None:
        """The booking's payment that is not Failed (at most one, by a partial unique index)."""
        stmt = select(Payment).where(Payment.booking_id == booking_id, Payment.status != PaymentStatus.FAILED)
        return (await self.session.exec(stmt)).one_or_none()

    async def refund(self, refund_id: uuid.UUID, *, for_update: bool = False) -> Refund | None:
        stmt = select(Refund).where(Refund.id == refund_id)
        return (await self.session.exec(_locked(stmt) if for_update else stmt)).one_or_none()

    async def refund_by_key(self, payment_id: uuid.UUID, key: str) -> Refund | None:
        stmt = select(Refund).where(Refund.payment_id == payment_id, Refund.idempotency_key == key)
        return (await self.session.exec(stmt)).one_or_none()

    async def refunds_of(self, payment_ids: Sequence[uuid.UUID]) -> list[Refund]:
        if not payment_ids:
            return []
        stmt = (select(Refund).where(col(Refund.payment_id).in_(payment_ids))
                .order_by(col(Refund.created_at), col(Refund.id)))
        return list((await self.session.exec(stmt)).all())

    async def payments(self, query: PaymentQuery) -> tuple[list[Payment], int]:
        conditions = []
        if query.user_id:
            conditions.append(col(Payment.user_id) == query.user_id)
        if query.booking_id:
            conditions.append(col(Payment.booking_id) == query.booking_id)
        if query.method:
            conditions.append(col(Payment.method) == query.method)
        if query.status:
            conditions.append(col(Payment.status) == query.status)
        if query.flagged is not None:
            conditions.append(col(Payment.flag).is_not(None) if query.flagged else col(Payment.flag).is_(None))
        if query.created_from:
            conditions.append(col(Payment.created_at) >= query.created_from)
        if query.created_to:
            conditions.append(col(Payment.created_at) < query.created_to)
        total = (await self.session.exec(select(func.count()).select_from(Payment).where(*conditions))).one()
        stmt = (select(Payment).where(*conditions).order_by(col(Payment.created_at).desc(), col(Payment.id))
                .offset(query.offset).limit(query.page_size))
        return list((await self.session.exec(stmt)).all()), total


def _locked(stmt: SelectOfScalar[T]) -> SelectOfScalar[T]:
    """FOR UPDATE, and the row as it is once the lock is ours: an object this session loaded before the
    wait would otherwise keep its old values (a concurrent caller's commit would go unseen)."""
    return stmt.with_for_update().execution_options(populate_existing=True)
