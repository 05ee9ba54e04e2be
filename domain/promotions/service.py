"""Use cases of the promotions context. Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.models import ReservationStatus, Voucher, VoucherReservation
from domain.promotions.repository import PromotionsRepository
from domain.promotions.rules import VoucherNotFound, VoucherNotUsable, check_usable, discount
from domain.promotions.schemas import VoucherCreate, VoucherQuery, VoucherQuote, VoucherReserved
from domain.shared.errors import Conflict


class VoucherCodeTaken(Conflict):
    code = "VOUCHER_CODE_TAKEN"


async def create_voucher(session: AsyncSession, *, data: VoucherCreate) -> Voucher:
    """Create a voucher; its code is unique (case-insensitive)."""
    repo = PromotionsRepository(session)
    if await repo.voucher_by_code(data.code):
        raise VoucherCodeTaken(f"A voucher with code {data.code} already exists.")
    voucher = Voucher(**data.model_dump())
    try:
        await repo.add(voucher)
    except IntegrityError as e:
        raise VoucherCodeTaken(f"A voucher with code {data.code} already exists.") from e
    return voucher


async def list_vouchers(session: AsyncSession, *, query: VoucherQuery) -> tuple[list[Voucher], int]:
    return await PromotionsRepository(session).vouchers(status=query.status, offset=query.offset,
                                                        limit=query.page_size)


async def _usable(session: AsyncSession, *, code: str, user_id: uuid.UUID, amount: int, now: datetime) -> Voucher:
    repo = PromotionsRepository(session)
    voucher = await repo.voucher_by_code(code)
    if voucher is None:
        raise VoucherNotFound(f"There is no voucher {code.upper()}.")
    check_usable(voucher.terms(), amount=amount, now=now)
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotUsable(f"Voucher {voucher.code} has been used up.", {"reason": "USED_UP"})
    if await repo.live_reservation_of(voucher.id, user_id):
        raise VoucherNotUsable(f"You have already used voucher {voucher.code}.", {"reason": "ALREADY_USED"})
    return voucher


async def quote(session: AsyncSession, *, code: str, user_id: uuid.UUID, amount: int,
                now: datetime) -> VoucherQuote:
    """What the voucher would take off `amount` for this user now (reserves nothing)."""
    voucher = await _usable(session, code=code, user_id=user_id, amount=amount, now=now)
    off = discount(voucher.terms(), amount=amount)
    return VoucherQuote(code=voucher.code, discount=off, final_amount=amount - off)


async def reserve(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, code: str, amount: int,
                  now: datetime) -> VoucherReserved:
    """Hold one use of a voucher for a booking. Idempotent on booking_id; never exceeds usageLimit."""
    repo = PromotionsRepository(session)
    existing = await repo.reservation_for_update(booking_id)
    if existing is not None:
        if existing.status is ReservationStatus.RELEASED:
            raise VoucherNotUsable("This booking's voucher was released.", {"reason": "RELEASED"})
        held = await session.get(Voucher, existing.voucher_id)
        assert held is not None
        return VoucherReserved(voucher_id=held.id, code=held.code, discount=existing.discount)
    voucher = await _usable(session, code=code, user_id=user_id, amount=amount, now=now)
    if not await repo.take_one_use(voucher.id):
        raise VoucherNotUsable(f"Voucher {voucher.code} has been used up.", {"reason": "USED_UP"})
    off = discount(voucher.terms(), amount=amount)
    try:
        await repo.add(VoucherReservation(voucher_id=voucher.id, user_id=user_id, booking_id=booking_id,
                                          discount=off))
    except IntegrityError as e:  # the same user's other booking won the race for its one use
        raise VoucherNotUsable(f"You have already used voucher {voucher.code}.",
                               {"reason": "ALREADY_USED"}) from e
    return VoucherReserved(voucher_id=voucher.id, code=voucher.code, discount=off)


async def release(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> bool:
    """Compensates reserve: give the use back. A no-op when nothing is held for the booking."""
    repo = PromotionsRepository(session)
    reservation = await repo.reservation_for_update(booking_id)
    if reservation is None or reservation.status is ReservationStatus.RELEASED:
        return False
    reservation.status, reservation.released_at = ReservationStatus.RELEASED, now
    session.add(reservation)
    await repo.give_back_use(reservation.voucher_id)
    await session.flush()
    return True


async def mark_used(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> None:
    """The booking was paid: its reserved use becomes final."""
    reservation = await PromotionsRepository(session).reservation_for_update(booking_id)
    if reservation is not None and reservation.status is ReservationStatus.RESERVED:
        reservation.status, reservation.used_at = ReservationStatus.USED, now
        session.add(reservation)
        await session.flush()

