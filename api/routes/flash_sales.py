"""Routes of the promotions service's flash sales: Admin makes and changes them; anyone sees the running ones
with what is left. The flash price itself is given at the hold (POST /api/bookings/lock-seats)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import AdminUser, PublicRoute, SessionDep
from domain.promotions import flash_sales
from domain.promotions.flash_schemas import FlashSaleCreate, FlashSalePublic, FlashSaleUpdate
from domain.shared.schemas import Page, PageParams
from domain.shared.time import utcnow

FlashSaleId = Annotated[uuid.UUID, Path(alias="id", description="The flash sale's id")]

open_routes = APIRouter(prefix="/promotions/flash-sales", route_class=PublicRoute)
admin_routes = APIRouter(prefix="/promotions/flash-sales")


@open_routes.get("/active", response_model=list[FlashSalePublic],
                 summary="Flash sales running now, with the tickets left of each (public)")
async def active_flash_sales(session: SessionDep) -> list[FlashSalePublic]:
    now = utcnow()
    return await flash_sales.public(session, await flash_sales.running(session, now=now), now=now)


@admin_routes.post("", status_code=status.HTTP_201_CREATED, response_model=FlashSalePublic,
                   summary="Create a flash sale (Admin): window, showtimes or movie, seat types, price, quota, "
                           "per-user limit")
async def create_flash_sale(body: FlashSaleCreate, admin: AdminUser, session: SessionDep) -> FlashSalePublic:
    sale = await flash_sales.create(session, data=body, by=admin.user_id)
    return await flash_sales.one_public(session, sale, now=utcnow())


@admin_routes.get("", response_model=Page[FlashSalePublic], summary="Every flash sale, latest start first (Admin)")
async def list_flash_sales(page: Annotated[PageParams, Query()], admin: AdminUser,
                           session: SessionDep) -> Page[FlashSalePublic]:
    sales, total = await flash_sales.page(session, offset=page.offset, limit=page.page_size)
    return Page[FlashSalePublic](items=await flash_sales.public(session, sales, now=utcnow()), total=total,
                                 page=page.page, page_size=page.page_size)


@admin_routes.get("/{id}", response_model=FlashSalePublic, summary="One flash sale with its counts (Admin)")
async def read_flash_sale(sale_id: FlashSaleId, admin: AdminUser, session: SessionDep) -> FlashSalePublic:
    return await flash_sales.one_public(session, await flash_sales.get(session, sale_id), now=utcnow())


@admin_routes.put("/{id}", response_model=FlashSalePublic,
                  summary="Switch a flash sale off or on, move its end, change its quota (Admin)",
                  responses={409: {"description": "A quota below the tickets sold or held, or an end before the "
                                                  "start"}})
async def update_flash_sale(sale_id: FlashSaleId, body: FlashSaleUpdate, admin: AdminUser,
                            session: SessionDep) -> FlashSalePublic:
    now = utcnow()
    sale = await flash_sales.update(session, sale_id=sale_id, data=body, now=now)
    return await flash_sales.one_public(session, sale, now=now)


router = APIRouter(tags=["promotions"])
router.include_router(open_routes)
router.include_router(admin_routes)
