"""Use cases of the promotions context. Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.models import ReservationStatus, Voucher, VoucherReservation
from domain.promotions.repository import PromotionsRepository
from domain.promotions.rules import (
    Purchase,
    VoucherNotFound,
    VoucherNotUsable,
    VoucherStatus,
    VoucherType,
    applies_to,
    check_scope,
    check_usable,
    discount,
)
from domain.promotions.schemas import (
    FreeItem,
    VoucherCreate,
    VoucherPublic,
    VoucherQuery,
    VoucherQuote,
    VoucherReserved,
    VoucherUpdate,
)
from domain.shared.errors import Conflict, InvalidInput


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


# What a PUT may set to null (to lift a limit or a band); every other field it sends needs a value.
_NULLABLE = frozenset({"max_discount", "usage_limit", "per_user_limit", "time_from", "time_to"})


class VoucherLimitBelowUses(Conflict):
    code = "VOUCHER_LIMIT_BELOW_USES"


def effective_status(voucher: Voucher, now: datetime) -> VoucherStatus:
    """Active, Inactive, or Expired once its end has passed (the dates decide; nobody has to flip it)."""
    if voucher.status is VoucherStatus.ACTIVE and now >= voucher.ends_at:
        return VoucherStatus.EXPIRED
    return voucher.status


def public(voucher: Voucher, now: datetime) -> VoucherPublic:
    return VoucherPublic.model_validate(voucher).model_copy(update={"status": effective_status(voucher, now)})


async def list_vouchers(session: AsyncSession, *, query: VoucherQuery, now: datetime) -> tuple[list[Voucher], int]:
    return await PromotionsRepository(session).vouchers(status=query.status, now=now, offset=query.offset,
                                                        limit=query.page_size)


async def update_voucher(session: AsyncSession, *, voucher_id: uuid.UUID, data: VoucherUpdate,
                         now: datetime) -> Voucher:
    """Change or switch off a voucher; only the fields sent change. Uses already reserved keep their discount."""
    voucher = await session.get(Voucher, voucher_id, with_for_update=True, populate_existing=True)
    if voucher is None:
        raise VoucherNotFound("There is no such voucher.")
    changes = data.model_dump(include=data.model_fields_set)
    for name, value in changes.items():
        if value is None and name not in _NULLABLE:
            raise InvalidInput(f"{to_camel(name)} cannot be null.", {"field": to_camel(name)})
        setattr(voucher, name, value)
    if voucher.ends_at <= voucher.starts_at:
        raise InvalidInput("endsAt must be after startsAt.", {"field": "endsAt"})
    if voucher.time_from is not None and voucher.time_from == voucher.time_to:
        raise InvalidInput("timeFrom and timeTo must differ.", {"field": "timeTo"})
    if voucher.usage_limit is not None and voucher.usage_limit < voucher.used_count:
        raise VoucherLimitBelowUses(f"Voucher {voucher.code} has been used {voucher.used_count} times already.",
                                    {"usedCount": voucher.used_count})
    voucher.updated_at = now
    session.add(voucher)
    await session.flush()
    return voucher


async def _usable(session: AsyncSession, *, code: str, user_id: uuid.UUID, purchase: Purchase | None, amount: int,
                  now: datetime, for_update: bool = False) -> Voucher:
    """The voucher if this user may use it on this purchase now; refuses saying why. `purchase` None: only the
    amount is known (a quote), so the scope is checked at checkout."""
    repo = PromotionsRepository(session)
    voucher = await repo.voucher_by_code(code, for_update=for_update)
    if voucher is None or (voucher.personal and not await repo.is_assigned(voucher.id, user_id)):
        raise VoucherNotFound(f"There is no voucher {code.upper()}.")  # someone else's is not even shown
    terms = voucher.terms()
    check_usable(terms, amount=purchase.total if purchase else amount, now=now)
    if purchase is not None:
        check_scope(terms, purchase)
    if voucher.usage_limit is not None and voucher.used_count >= voucher.usage_limit:
        raise VoucherNotUsable(f"Voucher {voucher.code} has been used up.", {"reason": "USED_UP"})
    if voucher.per_user_limit is not None and await repo.live_uses_of(voucher.id, user_id) >= voucher.per_user_limit:
        raise VoucherNotUsable(f"You have already used voucher {voucher.code}"
                               + (f" {voucher.per_user_limit} times." if voucher.per_user_limit > 1 else "."),
                               {"reason": "ALREADY_USED", "perUserLimit": voucher.per_user_limit})
    return voucher


async def quote(session: AsyncSession, *, code: str, user_id: uuid.UUID, amount: int,
                now: datetime) -> VoucherQuote:
    """What the voucher would take off `amount` for this user now (reserves nothing; its scope — film,
    cinema, day, seats — is checked at checkout)."""
    voucher = await _usable(session, code=code, user_id=user_id, purchase=None, amount=amount, now=now)
    off = discount(voucher.terms(), amount=amount)
    return VoucherQuote(code=voucher.code, discount=off, final_amount=amount - off)


async def reserve(session: AsyncSession, *, booking_id: uuid.UUID, user_id: uuid.UUID, code: str,
                  purchase: Purchase, now: datetime) -> VoucherReserved:
    """Hold one use of a voucher for a booking, the discount taken from the part of the purchase it applies
    to. Idempotent on booking_id. Its checks run under the voucher's row lock, so concurrent checkouts never
    pass the usage limit nor a user's per-user limit."""
    repo = PromotionsRepository(session)
    existing = await repo.reservation_for_update(booking_id)
    if existing is not None:
        if existing.status is ReservationStatus.RELEASED:
            raise VoucherNotUsable("This booking's voucher was released.", {"reason": "RELEASED"})
        held = await session.get(Voucher, existing.voucher_id)
        assert held is not None
        return VoucherReserved(voucher_id=held.id, code=held.code, discount=existing.discount,
                               free_item=_free_item(held))
    voucher = await _usable(session, code=code, user_id=user_id, purchase=purchase, amount=purchase.total, now=now,
                            for_update=True)
    if not await repo.take_one_use(voucher.id):
        raise VoucherNotUsable(f"Voucher {voucher.code} has been used up.", {"reason": "USED_UP"})
    terms = voucher.terms()
    off = discount(terms, amount=applies_to(terms, purchase))
    await repo.add(VoucherReservation(voucher_id=voucher.id, user_id=user_id, booking_id=booking_id, discount=off))
    return VoucherReserved(voucher_id=voucher.id, code=voucher.code, discount=off, free_item=_free_item(voucher))


def _free_item(voucher: Voucher) -> FreeItem | None:
    if voucher.type is not VoucherType.FREE_ITEM:
        return None
    return FreeItem(item_id=voucher.free_item_id, combo_id=voucher.free_combo_id, quantity=voucher.value)


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

