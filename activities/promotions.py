"""Promotion activities of the booking saga: reserve a voucher use, give it back, make it final."""

from __future__ import annotations

from temporalio import activity

from activities.errors import as_application_error
from domain.promotions import service as promotions_service
from domain.promotions.schemas import ReleaseVoucherInput, ReserveVoucherInput, VoucherReserved
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work


class PromotionActivities:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    @activity.defn
    async def reserve_voucher(self, input: ReserveVoucherInput) -> VoucherReserved:
        """Hold one use of the voucher for the booking (atomic; idempotent on the booking id)."""
        with as_application_error():
            async with unit_of_work(self._sessionmaker) as session:
                return await promotions_service.reserve(session, booking_id=input.booking_id, user_id=input.user_id,
                                                        code=input.code, amount=input.amount, now=utcnow())

    @activity.defn
    async def release_voucher(self, input: ReleaseVoucherInput) -> None:
        """Compensates reserve_voucher: give the use back (nothing reserved: no-op)."""
        async with unit_of_work(self._sessionmaker) as session:
            await promotions_service.release(session, booking_id=input.booking_id, now=utcnow())

    @activity.defn
    async def use_voucher(self, input: ReleaseVoucherInput) -> None:
        """The booking is paid: its reserved use becomes final."""
        async with unit_of_work(self._sessionmaker) as session:
            await promotions_service.mark_used(session, booking_id=input.booking_id, now=utcnow())
