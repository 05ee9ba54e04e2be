"""Routes of the F&B service (seed §7): the menu (public), its upkeep (Admin), per-cinema stock and the
counter: pre-order pickup, its queue, sales without a ticket (Staff).

Staff are not attached to cinemas in this system: any Staff (or higher) may count and adjust the stock of
any cinema, and every movement records who made it (`actorId`)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, UploadFile, status

from api.deps import AdminUser, PublicRoute, SessionDep, SettingsDep, StaffUser
from api.routes.users import CappedUploadRoute, StorageDep
from domain.fnb import orders as fnb_orders
from domain.fnb import service as fnb_service
from domain.fnb.schemas import (
    CinemaQuery,
    ComboCreate,
    ComboPublic,
    ComboUpdate,
    CounterSaleCreate,
    CounterSalePublic,
    FnbOrderPublic,
    ImagePublic,
    ItemCreate,
    ItemPublic,
    ItemUpdate,
    MenuQuery,
    MovementPublic,
    MovementQuery,
    OrderQueueQuery,
    StockChange,
    StockPublic,
)
from domain.shared.schemas import Page
from domain.shared.time import utcnow

ItemId = Annotated[uuid.UUID, Path(alias="id", description="The item's id")]
ComboId = Annotated[uuid.UUID, Path(alias="id", description="The combo's id")]

# Mounted as one router: public menu, Admin upkeep, Staff stock, capped image uploads.
router = APIRouter()
public = APIRouter(prefix="/fnb", tags=["fnb"], route_class=PublicRoute)
guarded = APIRouter(prefix="/fnb", tags=["fnb"])
uploads = APIRouter(prefix="/fnb", tags=["fnb"], route_class=CappedUploadRoute)


@public.get("/items", response_model=Page[ItemPublic],
            summary="Menu items; with `cinemaId` only what that cinema sells, with its `stock`")
async def list_items(query: Annotated[MenuQuery, Query()], session: SessionDep) -> Page[ItemPublic]:
    """`category` is Food or Drink (Combo lists nothing here: combos are at /api/fnb/combos)."""
    return await fnb_service.list_items(session, query=query)


@public.get("/combos", response_model=Page[ComboPublic],
            summary="Combos with their recipe; with `cinemaId` how many its stock allows")
async def list_combos(query: Annotated[MenuQuery, Query()], session: SessionDep) -> Page[ComboPublic]:
    """A combo has no stock of its own: its `stock` is what its scarcest component allows."""
    return await fnb_service.list_combos(session, query=query)


@guarded.post("/items", response_model=ItemPublic, status_code=status.HTTP_201_CREATED, summary="Add an item")
async def create_item(body: ItemCreate, admin: AdminUser, session: SessionDep) -> ItemPublic:
    return ItemPublic.model_validate(await fnb_service.create_item(session, body=body))


@guarded.put("/items/{id}", response_model=ItemPublic, summary="Change an item; left-out fields stay")
async def update_item(item_id: ItemId, body: ItemUpdate, admin: AdminUser, session: SessionDep) -> ItemPublic:
    return ItemPublic.model_validate(await fnb_service.update_item(session, item_id=item_id, changes=body))


@uploads.post("/items/{id}/image", response_model=ImagePublic,
              summary="Upload a PNG, JPEG or WebP picture of an item (multipart field `file`), re-encoded bare")
async def upload_image(item_id: ItemId, file: UploadFile, admin: AdminUser, session: SessionDep,
                       settings: SettingsDep, storage: StorageDep) -> ImagePublic:
    data = await file.read(settings.avatar_max_bytes + 1)
    item = await fnb_service.set_item_image(session, storage, item_id=item_id, data=data,
                                            max_bytes=settings.avatar_max_bytes)
    return ImagePublic(image_url=item.image_url or "")


@guarded.post("/combos", response_model=ComboPublic, status_code=status.HTTP_201_CREATED,
              summary="Add a combo with its recipe; it may not cost more than its items alone")
async def create_combo(body: ComboCreate, admin: AdminUser, session: SessionDep) -> ComboPublic:
    combo = await fnb_service.create_combo(session, body=body)
    return await fnb_service.combo_public(session, combo)


@guarded.put("/combos/{id}", response_model=ComboPublic,
             summary="Change a combo; new `items` replace the recipe for orders from now on")
async def update_combo(combo_id: ComboId, body: ComboUpdate, admin: AdminUser,
                       session: SessionDep) -> ComboPublic:
    combo = await fnb_service.update_combo(session, combo_id=combo_id, changes=body)
    return await fnb_service.combo_public(session, combo)


@guarded.put("/items/{id}/stock", response_model=StockPublic,
             summary="Count (`quantity`) or adjust (`delta` + `reason`) an item's stock at a cinema")
async def change_stock(item_id: ItemId, body: StockChange, staff: StaffUser, session: SessionDep) -> StockPublic:
    """Any Staff may manage any cinema (staff are not attached to cinemas). On-hand never goes below the
    units reserved for pre-orders (409 STOCK_BELOW_RESERVED); each change is one ledger row."""
    return await fnb_service.change_stock(session, item_id=item_id, body=body, actor_id=staff.user_id)


@guarded.get("/stock", response_model=Page[StockPublic],
             summary="A cinema's stock: on hand, reserved, available, low-stock flags")
async def list_stock(query: Annotated[CinemaQuery, Query()], staff: StaffUser,
                     session: SessionDep) -> Page[StockPublic]:
    return await fnb_service.list_stock(session, cinema_id=query.cinema_id, page=query)


@guarded.get("/stock/movements", response_model=Page[MovementPublic],
             summary="A cinema's stock ledger, newest first; filter by `itemId`")
async def list_movements(query: Annotated[MovementQuery, Query()], staff: StaffUser,
                         session: SessionDep) -> Page[MovementPublic]:
    return await fnb_service.list_movements(session, query=query)


for part in (public, guarded, uploads):
    router.include_router(part)


# The counter (Staff): hand out pre-orders by the ticket's booking id, their queue, and sales without a ticket.
orders = APIRouter(prefix="/fnb/orders", tags=["fnb"])
OrderBookingId = Annotated[uuid.UUID, Path(alias="bookingId", description="The booking's id (on its ticket's QR)")]


@orders.get("", response_model=Page[FnbOrderPublic],
            summary="A cinema's booking F&B orders: waiting at the counter (by showtime) or collected")
async def list_orders(query: Annotated[OrderQueueQuery, Query()], staff: StaffUser,
                      session: SessionDep) -> Page[FnbOrderPublic]:
    """`waiting`: paid, not collected, showtime started less than 3 hours ago, soonest first."""
    return await fnb_orders.list_orders(session, query=query, now=utcnow())


@orders.post("/{bookingId}/collect", response_model=FnbOrderPublic,
             summary="Hand out a booking's paid F&B order (once; a second scan says when it was collected)",
             responses={409: {"description": "Already collected (FNB_ALREADY_COLLECTED, with collectedAt), not "
                                             "paid yet (FNB_ORDER_NOT_PAID), cancelled (FNB_ORDER_CANCELLED), or "
                                             "for another cinema (FNB_WRONG_CINEMA)"}})
async def collect_order(booking_id: OrderBookingId, staff: StaffUser, session: SessionDep,
                        cinema_id: Annotated[uuid.UUID | None, Query(
                            alias="cinemaId", description="The counter's cinema: refuse another's orders")] = None,
                        ) -> FnbOrderPublic:
    return await fnb_orders.collect(session, booking_id=booking_id, staff_id=staff.user_id, now=utcnow(),
                                    cinema_id=cinema_id)


@orders.post("", response_model=CounterSalePublic, status_code=status.HTTP_201_CREATED,
             summary="Sell F&B at the counter without a ticket; the stock leaves at once",
             responses={409: {"description": "Not enough stock (FNB_OUT_OF_STOCK, naming what is short) or not "
                                             "on sale here (FNB_NOT_SOLD)"}})
async def sell_at_counter(body: CounterSaleCreate, staff: StaffUser, session: SessionDep) -> CounterSalePublic:
    """A retry with the same `Idempotency-Key` header gets the first receipt and sells nothing (as on every POST)."""
    return await fnb_orders.sell(session, body=body, staff_id=staff.user_id, now=utcnow())


router.include_router(orders)
