"""Flash sales: Admin's sales, and the flash tickets a hold claims, a paid booking sells and a failed one gives
back. Every claim is counted and written under the sale's row lock (first come, first served by arrival at
the database), so neither the quota nor a customer's limit is ever passed, whatever runs in parallel. A held
claim counts until its hold's timer: a hold whose saga never released it gives its tickets back by itself."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import false, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.promotions.flash_rules import FlashSaleSoldOut, FlashTerms, check_grant
from domain.promotions.flash_schemas import FlashSaleCreate, FlashSalePublic, FlashSaleUpdate, FlashTicketsHeld
from domain.promotions.models import FlashClaimStatus, FlashSale, FlashSaleClaim
from domain.shared.errors import Conflict, NotFound


class FlashSaleNotFound(NotFound):
    code = "FLASH_SALE_NOT_FOUND"


def terms(sale: FlashSale) -> FlashTerms:
    return FlashTerms(sale_id=sale.id, name=sale.name, starts_at=sale.starts_at, ends_at=sale.ends_at,
                      showtime_ids=frozenset(sale.showtime_ids), movie_id=sale.movie_id,
                      seat_types=frozenset(sale.seat_types), flash_price=sale.flash_price,
                      discount_percent=sale.discount_percent, quota=sale.quota, per_user_limit=sale.per_user_limit)


async def create(session: AsyncSession, *, data: FlashSaleCreate, by: uuid.UUID | None) -> FlashSale:
    sale = FlashSale(**data.model_dump(), created_by=by)
    session.add(sale)
    await session.flush()
    return sale


async def update(session: AsyncSession, *, sale_id: uuid.UUID, data: FlashSaleUpdate, now: datetime) -> FlashSale:
    sale = await _locked(session, sale_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "quota" in changes:
        taken, _ = await _taken(session, sale.id, user_id=None, now=now)
        if changes["quota"] < taken:
            raise Conflict(f"{taken} flash tickets are sold or held; the quota cannot go below that.",
                           {"taken": taken})
    if changes.get("ends_at", sale.ends_at) <= sale.starts_at:
        raise Conflict("endsAt must be after startsAt.")
    for name, value in changes.items():
        setattr(sale, name, value)
    sale.updated_at = now
    await session.flush()
    return sale


async def get(session: AsyncSession, sale_id: uuid.UUID) -> FlashSale:
    sale = await session.get(FlashSale, sale_id)
    if sale is None:
        raise FlashSaleNotFound("There is no such flash sale.")
    return sale


async def one_public(session: AsyncSession, sale: FlashSale, *, now: datetime) -> FlashSalePublic:
    [answer] = await public(session, [sale], now=now)
    return answer


async def public(session: AsyncSession, sales: list[FlashSale], *, now: datetime) -> list[FlashSalePublic]:
    """The sales with what is left of each: one count over their live claims."""
    ids = [sale.id for sale in sales]
    counts: dict[uuid.UUID, tuple[int, int]] = {}
    if ids:
        rows = await session.exec(select(
            FlashSaleClaim.flash_sale_id, func.sum(FlashSaleClaim.tickets),
            func.sum(FlashSaleClaim.tickets).filter(col(FlashSaleClaim.status) == FlashClaimStatus.SOLD),
        ).where(col(FlashSaleClaim.flash_sale_id).in_(ids), _live(now)).group_by(col(FlashSaleClaim.flash_sale_id)))
        counts = {sale_id: (int(taken or 0), int(sold or 0)) for sale_id, taken, sold in rows}
    answers = []
    for sale in sales:
        taken, sold = counts.get(sale.id, (0, 0))
        answers.append(FlashSalePublic.model_validate({**sale.model_dump(), "left": max(sale.quota - taken, 0),
                                                       "sold": sold}))
    return answers


async def page(session: AsyncSession, *, offset: int, limit: int) -> tuple[list[FlashSale], int]:
    total = (await session.exec(select(func.count()).select_from(FlashSale))).one()
    rows = (await session.exec(select(FlashSale).order_by(col(FlashSale.starts_at).desc(), col(FlashSale.id))
                               .offset(offset).limit(limit))).all()
    return list(rows), total


async def running(session: AsyncSession, *, now: datetime) -> list[FlashSale]:
    """Sales switched on whose window holds `now`, soonest ending first."""
    return list((await session.exec(select(FlashSale).where(
        col(FlashSale.is_active), col(FlashSale.starts_at) <= now, col(FlashSale.ends_at) > now,
    ).order_by(col(FlashSale.ends_at), col(FlashSale.id)))).all())


async def claim(session: AsyncSession, *, sale: FlashTerms, booking_id: uuid.UUID, user_id: uuid.UUID,
                seats: list[tuple[str, int]], held_until: datetime, now: datetime,
                accept_regular: bool = False) -> tuple[list[int], FlashTicketsHeld | None]:
    """Price a hold's seats (type, regular price) by the sale: all its flash tickets, or — refused because the
    quota or the customer's limit is short — FLASH_SALE_SOLD_OUT / FLASH_SALE_LIMIT_REACHED, unless the
    customer accepts the regular prices (then no ticket of the sale is taken). Returns each seat's price."""
    flash = [sale.price(seat_type, regular) for seat_type, regular in seats]
    wanted = sum(price is not None for price in flash)
    if not wanted:
        return [regular for _, regular in seats], None
    await _locked(session, sale.sale_id)
    # The same booking's hold made again (its first saga never started): its claim is replaced, not counted.
    taken, yours = await _taken(session, sale.sale_id, user_id=user_id, now=now, besides=booking_id)
    try:
        check_grant(sale, wanted=wanted, sold_or_held=taken, users=yours)
    except Conflict:
        if accept_regular:
            return [regular for _, regular in seats], None
        raise
    prices = [regular if price is None else price for price, (_, regular) in zip(flash, seats, strict=True)]
    saved = sum(regular for _, regular in seats) - sum(prices)
    found = await session.get(FlashSaleClaim, booking_id, with_for_update=True, populate_existing=True)
    if found is None:
        session.add(FlashSaleClaim(booking_id=booking_id, flash_sale_id=sale.sale_id, user_id=user_id,
                                   tickets=wanted, saved=saved, held_until=held_until))
    else:
        found.flash_sale_id, found.tickets, found.saved, found.held_until = sale.sale_id, wanted, saved, held_until
        found.status, found.released_at = FlashClaimStatus.HELD, None
    await session.flush()
    return prices, FlashTicketsHeld(flash_sale_id=sale.sale_id, name=sale.name, tickets=wanted, saved=saved)


async def release(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> None:
    """Compensates the claim: the booking's flash tickets go back to the quota (nothing claimed: no-op)."""
    found = await session.get(FlashSaleClaim, booking_id, with_for_update=True, populate_existing=True)
    if found is not None and found.status is not FlashClaimStatus.RELEASED:
        found.status, found.released_at = FlashClaimStatus.RELEASED, now
        await session.flush()


async def sell(session: AsyncSession, *, booking_id: uuid.UUID, now: datetime) -> None:
    """The booking is paid: its flash tickets are sold (idempotent). A hold that ran out before the payment
    came no longer held them: they are sold only if the quota and the customer's limit still have room
    (FLASH_SALE_SOLD_OUT otherwise — the saga then refunds)."""
    found = await session.get(FlashSaleClaim, booking_id)
    if found is None or found.status is FlashClaimStatus.SOLD:
        return
    sale = await _locked(session, found.flash_sale_id)
    found = await session.get(FlashSaleClaim, booking_id, with_for_update=True, populate_existing=True)
    assert found is not None
    if found.status is FlashClaimStatus.SOLD:
        return
    if found.status is FlashClaimStatus.RELEASED:
        raise FlashSaleSoldOut("This booking's flash tickets were given back.", {"flashSaleId": str(sale.id)})
    if found.held_until <= now:
        taken, yours = await _taken(session, sale.id, user_id=found.user_id, now=now, besides=booking_id)
        check_grant(terms(sale), wanted=found.tickets, sold_or_held=taken, users=yours)
    found.status, found.sold_at = FlashClaimStatus.SOLD, now
    await session.flush()


async def _locked(session: AsyncSession, sale_id: uuid.UUID) -> FlashSale:
    sale = await session.get(FlashSale, sale_id, with_for_update=True, populate_existing=True)
    if sale is None:
        raise FlashSaleNotFound("There is no such flash sale.")
    return sale


def _live(now: datetime):  # type: ignore[no-untyped-def]
    return or_(col(FlashSaleClaim.status) == FlashClaimStatus.SOLD,
               (col(FlashSaleClaim.status) == FlashClaimStatus.HELD) & (col(FlashSaleClaim.held_until) > now))


async def _taken(session: AsyncSession, sale_id: uuid.UUID, *, user_id: uuid.UUID | None, now: datetime,
                 besides: uuid.UUID | None = None) -> tuple[int, int]:
    """Live flash tickets of the sale, and of them the customer's (call under the sale's row lock)."""
    mine = col(FlashSaleClaim.user_id) == user_id if user_id is not None else false()
    query = select(func.coalesce(func.sum(FlashSaleClaim.tickets), 0),
                   func.coalesce(func.sum(FlashSaleClaim.tickets).filter(mine), 0)).where(
        FlashSaleClaim.flash_sale_id == sale_id, _live(now))
    if besides is not None:
        query = query.where(FlashSaleClaim.booking_id != besides)
    taken, yours = (await session.exec(query)).one()
    return int(taken), int(yours)
