"""Routes of the time promotions ("Khuyến mãi theo thời gian"): Admins create, change and switch them off;
anyone may list the active ones. Seat prices pick them up through api/pricing.py: at once in this process
(every write here forgets its cache once committed), within a few seconds elsewhere."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, SecurityScopes

from api.deps import AdminUser, PublicRoute, SessionDep, authorize
from domain.promotions import time_promotions
from domain.promotions.time_promotion_schemas import (
    TimePromotionCreate,
    TimePromotionPublic,
    TimePromotionQuery,
    TimePromotionState,
    TimePromotionUpdate,
)
from domain.shared.roles import Role
from domain.shared.schemas import Page
from domain.shared.time import utcnow

TimePromotionId = Annotated[uuid.UUID, Path(alias="id", description="The time promotion's id")]


async def _forget_after_commit() -> AsyncIterator[None]:
    yield
    time_promotions.forget_cached()


# Declared before SessionDep in a route's parameters, so it exits after the session's commit: a price read
# right after the answer sees the change, and no read between the two can cache the old promotions again.
ForgetCached = Annotated[None, Depends(_forget_after_commit, scope="function")]

open_routes = APIRouter(prefix="/promotions/time-promotions", route_class=PublicRoute)
admin_routes = APIRouter(prefix="/promotions/time-promotions")


async def _admin_unless_active(request: Request, state: TimePromotionState) -> None:
    """The active promotions are public; the others need an Admin's bearer token, checked as every guard does."""
    if state is TimePromotionState.ACTIVE:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    credentials = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token.strip())
                   if scheme.lower() == "bearer" and token.strip() else None)
    await authorize(SecurityScopes([Role.ADMIN.value]), request.state.redis, request.state.settings, credentials)


@open_routes.get("", response_model=Page[TimePromotionPublic],
                 summary="Time promotions by code: the active ones for anyone; ?status=Inactive|All for Admins",
                 responses={401: {"description": "status Inactive or All without a token"},
                            403: {"description": "status Inactive or All below Admin"}})
async def list_time_promotions(query: Annotated[TimePromotionQuery, Query()], request: Request,
                               session: SessionDep) -> Page[TimePromotionPublic]:
    await _admin_unless_active(request, query.status)
    rows, total = await time_promotions.page(session, state=query.status, now=utcnow(), offset=query.offset,
                                             limit=query.page_size)
    return Page[TimePromotionPublic](items=[TimePromotionPublic.model_validate(r) for r in rows], total=total,
                                     page=query.page, page_size=query.page_size)


@admin_routes.post("", status_code=status.HTTP_201_CREATED, response_model=TimePromotionPublic,
                   summary="Create a time promotion (Admin); codes are unique, case-insensitive",
                   responses={409: {"description": "The code is taken (TIME_PROMOTION_CODE_TAKEN)"}})
async def create_time_promotion(body: TimePromotionCreate, admin: AdminUser, _: ForgetCached,
                                session: SessionDep) -> TimePromotionPublic:
    return TimePromotionPublic.model_validate(await time_promotions.create(session, data=body))


@admin_routes.get("/{id}", response_model=TimePromotionPublic, summary="One time promotion, inactive too (Admin)")
async def read_time_promotion(promotion_id: TimePromotionId, admin: AdminUser,
                              session: SessionDep) -> TimePromotionPublic:
    return TimePromotionPublic.model_validate(await time_promotions.get(session, promotion_id=promotion_id))


@admin_routes.put("/{id}", response_model=TimePromotionPublic,
                  summary="Change or switch off (isActive: false) a time promotion (Admin); only the fields sent "
                          "change, null lifts a condition")
async def update_time_promotion(promotion_id: TimePromotionId, body: TimePromotionUpdate, admin: AdminUser,
                                _: ForgetCached, session: SessionDep) -> TimePromotionPublic:
    promotion = await time_promotions.update(session, promotion_id=promotion_id, data=body, now=utcnow())
    return TimePromotionPublic.model_validate(promotion)


router = APIRouter(tags=["promotions"])
router.include_router(open_routes)
router.include_router(admin_routes)
