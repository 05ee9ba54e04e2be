"""Menu use cases of the F&B context: items, combos, the public menu of a cinema, staff stock changes.
Services flush, never commit: the caller owns the transaction."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Uuid, any_, func, literal, not_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.cinemas import service as cinemas_service
from domain.fnb import stock as fnb_stock
from domain.fnb.errors import FnbComboNotFound, FnbItemNotFound, StockBelowReserved
from domain.fnb.models import ComboItem, FnbCategory, FnbCombo, FnbItem, MovementKind, Stock, StockMovement
from domain.fnb.rules import combos_available
from domain.fnb.schemas import (
    ComboCreate,
    ComboLine,
    ComboPublic,
    ComboUpdate,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    MenuQuery,
    MovementPublic,
    MovementQuery,
    StockChange,
    StockPublic,
)
from domain.shared.errors import Conflict, InvalidInput, PayloadTooLarge
from domain.shared.images import ImageStore, clean_image
from domain.shared.schemas import Page, PageParams

MAX_ON_HAND = 10_000_000  # far below the int column's limit, so repeated receipts never overflow it


class FnbNameTaken(Conflict):
    code = "FNB_NAME_TAKEN"


class ComboTooDear(InvalidInput):
    code = "FNB_COMBO_PRICE"


class ItemImageTooLarge(PayloadTooLarge):
    pass


async def _cinemas_exist(session: AsyncSession, cinema_ids: Sequence[uuid.UUID]) -> None:
    for cinema_id in cinema_ids:
        await cinemas_service.get_cinema(session, cinema_id=cinema_id)


def _not_hidden(hidden_at: Any, cinema_id: uuid.UUID) -> Any:
    return not_(literal(cinema_id, Uuid()) == any_(hidden_at))


async def get_item(session: AsyncSession, *, item_id: uuid.UUID) -> FnbItem:
    """Return an item, or raise FnbItemNotFound."""
    item = await session.get(FnbItem, item_id)
    if item is None:
        raise FnbItemNotFound("No such item.", {"itemId": str(item_id)})
    return item


async def _available(session: AsyncSession, cinema_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = (await session.exec(select(Stock).where(Stock.cinema_id == cinema_id))).all()
    return {s.item_id: s.available for s in rows}


async def _flush_named(session: AsyncSession, row: FnbItem | FnbCombo) -> None:
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError as e:
        raise FnbNameTaken("This name is taken.", {"name": row.name}) from e
    await session.refresh(row)


async def create_item(session: AsyncSession, *, body: ItemCreate) -> FnbItem:
    """Add a menu item; names are unique."""
    await _cinemas_exist(session, body.hidden_at)
    item = FnbItem(**body.model_dump())
    await _flush_named(session, item)
    return item


async def update_item(session: AsyncSession, *, item_id: uuid.UUID, changes: ItemUpdate) -> FnbItem:
    """Apply the fields the Admin sent."""
    item = await get_item(session, item_id=item_id)
    values = changes.model_dump(exclude_unset=True)
    await _cinemas_exist(session, values.get("hidden_at", []))
    for name, value in values.items():
        setattr(item, name, value)
    await _flush_named(session, item)
    return item


async def set_item_image(session: AsyncSession, storage: ImageStore, *, item_id: uuid.UUID, data: bytes,
                         max_bytes: int) -> FnbItem:
    """Check and re-encode an uploaded picture like a poster, store it, and point the item at it."""
    if len(data) > max_bytes:
        raise ItemImageTooLarge(f"The image may be at most {max_bytes // 1024} KiB.", {"maxBytes": max_bytes})
    item = await get_item(session, item_id=item_id)
    image = await asyncio.to_thread(clean_image, data)
    item.image_url = await storage.save(f"fnb/{item_id}/{uuid.uuid4().hex}.{image.extension}", image.data,
                                        image.content_type)
    await _flush_named(session, item)
    return item


def _item_public(item: FnbItem, available: dict[uuid.UUID, int] | None) -> ItemPublic:
    public = ItemPublic.model_validate(item)
    if available is not None:
        public.stock = max(available.get(item.id, 0), 0)
        public.available = item.is_available and public.stock > 0
    return public


async def list_items(session: AsyncSession, *, query: MenuQuery) -> Page[ItemPublic]:
    """One page of items by category and name; with a cinema, only what it sells, with its stock."""
    conditions = [col(FnbItem.category) == query.category] if query.category else []
    available = None
    if query.cinema_id is not None:
        await cinemas_service.get_cinema(session, cinema_id=query.cinema_id)
        conditions.append(_not_hidden(col(FnbItem.hidden_at), query.cinema_id))
        available = await _available(session, query.cinema_id)
    total = (await session.exec(select(func.count()).select_from(FnbItem).where(*conditions))).one()
    rows = (await session.exec(select(FnbItem).where(*conditions)
                               .order_by(col(FnbItem.category), col(FnbItem.name), col(FnbItem.id))
                               .offset(query.offset).limit(query.page_size))).all()
    return Page[ItemPublic](items=[_item_public(i, available) for i in rows], total=total, page=query.page,
                            page_size=query.page_size)


async def get_combo(session: AsyncSession, *, combo_id: uuid.UUID) -> FnbCombo:
    combo = await session.get(FnbCombo, combo_id)
    if combo is None:
        raise FnbComboNotFound("No such combo.", {"comboId": str(combo_id)})
    return combo


async def _recipe_total(session: AsyncSession, lines: Sequence[ComboLine]) -> int:
    ids = [line.item_id for line in lines]
    items = {i.id: i for i in (await session.exec(select(FnbItem).where(col(FnbItem.id).in_(ids)))).all()}
    for item_id in ids:
        if item_id not in items:
            raise FnbItemNotFound("A combo line names no item.", {"itemId": str(item_id)})
    return sum(items[line.item_id].price * line.quantity for line in lines)


async def _save_combo(session: AsyncSession, combo: FnbCombo, lines: Sequence[ComboLine] | None) -> None:
    if lines is not None:
        total = await _recipe_total(session, lines)
        if combo.price > total:
            raise ComboTooDear(f"A combo may not cost more than its items alone ({total:,} VND).",
                               {"itemsTotal": total})
    await _flush_named(session, combo)
    if lines is not None:
        await session.exec(delete(ComboItem).where(col(ComboItem.combo_id) == combo.id))
        session.add_all([ComboItem(combo_id=combo.id, item_id=ln.item_id, quantity=ln.quantity) for ln in lines])
        await session.flush()


async def create_combo(session: AsyncSession, *, body: ComboCreate) -> FnbCombo:
    """Add a combo with its recipe; it may not cost more than its items alone."""
    await _cinemas_exist(session, body.hidden_at)
    combo = FnbCombo(**body.model_dump(exclude={"items"}))
    await _save_combo(session, combo, body.items)
    return combo


async def update_combo(session: AsyncSession, *, combo_id: uuid.UUID, changes: ComboUpdate) -> FnbCombo:
    """Apply the fields the Admin sent; new `items` replace the recipe for orders from now on."""
    combo = await get_combo(session, combo_id=combo_id)
    values = changes.model_dump(exclude_unset=True, exclude={"items"})
    await _cinemas_exist(session, values.get("hidden_at", []))
    for name, value in values.items():
        setattr(combo, name, value)
    lines = changes.items
    if lines is None and "price" in values:  # a new price is checked against the current recipe
        rows = (await session.exec(select(ComboItem).where(ComboItem.combo_id == combo.id))).all()
        lines = [ComboLine(item_id=r.item_id, quantity=r.quantity) for r in rows]
    await _save_combo(session, combo, lines)
    return combo


async def combo_public(session: AsyncSession, combo: FnbCombo, available: dict[uuid.UUID, int] | None = None,
                       ) -> ComboPublic:
    rows = (await session.exec(select(ComboItem).where(ComboItem.combo_id == combo.id)
                               .order_by(col(ComboItem.item_id)))).all()
    lines = [ComboLine(item_id=r.item_id, quantity=r.quantity) for r in rows]
    total = await _recipe_total(session, lines) if lines else 0
    public = ComboPublic(id=combo.id, name=combo.name, description=combo.description, price=combo.price,
                         discount=max(total - combo.price, 0), items=lines, is_available=combo.is_available,
                         hidden_at=combo.hidden_at)
    if available is not None:
        items = {i.id: i for i in (await session.exec(select(FnbItem).where(
            col(FnbItem.id).in_([ln.item_id for ln in lines])))).all()}
        usable = {i: (n if items[i].is_available else 0) for i, n in available.items() if i in items}
        public.stock = combos_available({ln.item_id: ln.quantity for ln in lines}, usable)
        public.available = combo.is_available and public.stock > 0
    return public


async def list_combos(session: AsyncSession, *, query: MenuQuery) -> Page[ComboPublic]:
    """One page of combos by name; with a cinema, only what it sells, with how many its stock allows."""
    conditions = []
    available = None
    if query.cinema_id is not None:
        await cinemas_service.get_cinema(session, cinema_id=query.cinema_id)
        conditions.append(_not_hidden(col(FnbCombo.hidden_at), query.cinema_id))
        available = await _available(session, query.cinema_id)
    total = (await session.exec(select(func.count()).select_from(FnbCombo).where(*conditions))).one()
    rows = (await session.exec(select(FnbCombo).where(*conditions).order_by(col(FnbCombo.name), col(FnbCombo.id))
                               .offset(query.offset).limit(query.page_size))).all()
    return Page[ComboPublic](items=[await combo_public(session, c, available) for c in rows], total=total,
                             page=query.page, page_size=query.page_size)


def _stock_public(stock: Stock, name: str) -> StockPublic:
    return StockPublic(cinema_id=stock.cinema_id, item_id=stock.item_id, name=name, on_hand=stock.on_hand,
                       reserved=stock.reserved, available=stock.available,
                       low_stock_threshold=stock.low_stock_threshold,
                       low=stock.available <= stock.low_stock_threshold)


async def change_stock(session: AsyncSession, *, item_id: uuid.UUID, body: StockChange,
                       actor_id: uuid.UUID | None) -> StockPublic:
    """Count (set on-hand) or adjust an item's stock at a cinema, one ledger row; never below what is reserved."""
    item = await get_item(session, item_id=item_id)
    if item.category is FnbCategory.COMBO:  # pragma: no cover - items are Food or Drink
        raise FnbItemNotFound("No such item.", {"itemId": str(item_id)})
    await cinemas_service.get_cinema(session, cinema_id=body.cinema_id)
    await session.exec(fnb_stock.insert_stock(body.cinema_id, item_id))  # type: ignore[call-overload]
    stock = (await fnb_stock.lock_stock(session, body.cinema_id, [item_id]))[item_id]
    if body.low_stock_threshold is not None:
        stock.low_stock_threshold = body.low_stock_threshold
    if body.quantity is not None:
        delta, kind, reason = body.quantity - stock.on_hand, MovementKind.ADJUSTMENT, body.reason or "Stock count"
    else:
        assert body.delta is not None
        delta, kind, reason = body.delta, body.kind or MovementKind.ADJUSTMENT, body.reason or ""
    if stock.on_hand + delta > MAX_ON_HAND:
        raise InvalidInput(f"A counter holds at most {MAX_ON_HAND:,} units of an item.", {"onHand": stock.on_hand})
    if stock.on_hand + delta < stock.reserved:
        raise StockBelowReserved(f"This would leave {stock.on_hand + delta} on hand, below the {stock.reserved} "
                                 "unit(s) held for pre-orders (stock never goes below zero).",
                                 {"onHand": stock.on_hand, "reserved": stock.reserved, "delta": delta})
    if delta:
        await fnb_stock.move(session, stock, kind=kind, quantity=delta, reason=reason, actor_id=actor_id)
    else:
        session.add(stock)
        await session.flush()
    return _stock_public(stock, item.name)


async def list_stock(session: AsyncSession, *, cinema_id: uuid.UUID, page: PageParams) -> Page[StockPublic]:
    """One page of a cinema's stock by item name: on-hand, reserved, available and low flags."""
    await cinemas_service.get_cinema(session, cinema_id=cinema_id)
    base = select(Stock, FnbItem.name).join(FnbItem, col(FnbItem.id) == col(Stock.item_id)).where(
        Stock.cinema_id == cinema_id)
    total = (await session.exec(select(func.count()).select_from(Stock).where(Stock.cinema_id == cinema_id))).one()
    rows = (await session.exec(base.order_by(col(FnbItem.name)).offset(page.offset).limit(page.page_size))).all()
    return Page[StockPublic](items=[_stock_public(s, n) for s, n in rows], total=total, page=page.page,
                             page_size=page.page_size)


async def list_movements(session: AsyncSession, *, query: MovementQuery) -> Page[MovementPublic]:
    """One page of a cinema's stock ledger, newest first, optionally of one item."""
    await cinemas_service.get_cinema(session, cinema_id=query.cinema_id)
    conditions = [col(StockMovement.cinema_id) == query.cinema_id]
    if query.item_id is not None:
        conditions.append(col(StockMovement.item_id) == query.item_id)
    total = (await session.exec(select(func.count()).select_from(StockMovement).where(*conditions))).one()
    rows = (await session.exec(select(StockMovement).where(*conditions).order_by(col(StockMovement.id).desc())
                               .offset(query.offset).limit(query.page_size))).all()
    return Page[MovementPublic](items=[MovementPublic.model_validate(m) for m in rows], total=total,
                                page=query.page, page_size=query.page_size)


async def ensure_item(session: AsyncSession, *, body: ItemCreate) -> tuple[FnbItem, bool]:
    """Find the item by name or create it; True when created. A found item is left as it is."""
    found = (await session.exec(select(FnbItem).where(FnbItem.name == body.name))).one_or_none()
    return (found, False) if found else (await create_item(session, body=body), True)


async def ensure_combo(session: AsyncSession, *, body: ComboCreate) -> tuple[FnbCombo, bool]:
    """Find the combo by name or create it; True when created."""
    found = (await session.exec(select(FnbCombo).where(FnbCombo.name == body.name))).one_or_none()
    return (found, False) if found else (await create_combo(session, body=body), True)


async def has_stock_row(session: AsyncSession, *, cinema_id: uuid.UUID, item_id: uuid.UUID) -> bool:
    return await session.get(Stock, (cinema_id, item_id)) is not None
