"""Routes of the showtimes service (seed §5): listings and seat maps for everyone, scheduling for Admins.

A schedule change writes its event (showtime.scheduled / rescheduled / cancelled) in the request's own
transaction; the lifecycle timers and the refunds of a cancelled showtime follow from those events
(workers/subscribers/), so nothing is lost if Temporal is down when the request is made.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from api.deps import AdminUser, ManagerUser, PublicRoute, SessionDep, SettingsDep
from api.pricing import priced_policy
from domain.shared.schemas import Page
from domain.shared.time import utcnow
from domain.showtimes import queries
from domain.showtimes import service as showtimes_service
from domain.showtimes.models import Showtime
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.schemas import (
    CancelledShowtime,
    CancelRequest,
    SeatMapPublic,
    ShowtimeCreate,
    ShowtimePublic,
    ShowtimeQuery,
    ShowtimeUpdate,
)
from domain.showtimes.service import Actor, ScheduleRules
from infra.settings import Settings

ShowtimeId = Annotated[uuid.UUID, Path(alias="id", description="The showtime's id")]


async def get_rules(request: Request, settings: SettingsDep) -> ScheduleRules:
    """The settings' rules, priced with the time promotions active now (api/pricing.py)."""
    rules = schedule_rules(settings)
    return replace(rules, policy=await priced_policy(request, rules.policy))


def schedule_rules(settings: Settings) -> ScheduleRules:
    """The cleaning gap and pricing policy from settings (CINEMA_SHOWTIMES__*)."""
    own = settings.showtimes
    return ScheduleRules(
        cleaning_gap=timedelta(minutes=own.cleaning_gap_minutes),
        policy=PricingPolicy.from_settings(own.pricing, own.holidays),
    )


RulesDep = Annotated[ScheduleRules, Depends(get_rules)]


async def get_showtime(showtime_id: ShowtimeId, session: SessionDep) -> Showtime:
    return await showtimes_service.get_showtime(session, showtime_id=showtime_id)


ValidShowtime = Annotated[Showtime, Depends(get_showtime)]

open_routes = APIRouter(prefix="/showtimes", route_class=PublicRoute)
admin_routes = APIRouter(prefix="/showtimes")


@open_routes.get(
    "",
    response_model=Page[ShowtimePublic],
    summary="Showtimes in start order; filter by movie, cinema, theater, local day (Asia/Ho_Chi_Minh)",
)
async def list_showtimes(
    query: Annotated[ShowtimeQuery, Query()], session: SessionDep, rules: RulesDep
) -> Page[ShowtimePublic]:
    return await queries.list_showtimes(session, query=query, policy=rules.policy, now=utcnow())


@open_routes.get(
    "/{id}",
    response_model=ShowtimePublic,
    summary="One showtime with its free seats and each seat type's price now",
)
async def read_showtime(showtime: ValidShowtime, session: SessionDep, rules: RulesDep) -> ShowtimePublic:
    return await queries.showtime_public(session, showtime=showtime, policy=rules.policy, now=utcnow())


@open_routes.get(
    "/{id}/available-seats",
    response_model=SeatMapPublic,
    summary="The seat map: every seat with row, number, type, status and its price now",
)
async def read_seat_map(showtime_id: ShowtimeId, request: Request) -> Response:
    """Served from Redis as stored, never older than the last seat event (see infra/seat_map_events.py)."""
    # A cached map is mostly sent before routing (api/cached_seat_maps.py); here it is one batched Redis
    # read too, with no dependency run in the thread pool. The showtime is looked up (404 if unknown) only
    # to build a missing map.
    state = request.state

    async def load() -> bytes:
        async with state.sessionmaker() as session:
            showtime = await showtimes_service.get_showtime(session, showtime_id=showtime_id)
            policy = await priced_policy(request, schedule_rules(state.settings).policy)
            seat_map = await queries.seat_map(session, showtime=showtime, policy=policy, now=utcnow())
        return seat_map.model_dump_json(by_alias=True).encode()

    body = await state.seat_maps.get(showtime_id, load)
    return Response(body, media_type="application/json")


@admin_routes.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ShowtimePublic,
    summary="Schedule a showtime (409 when it overlaps another in the theater, cleaning gap included)",
)
async def create_showtime(
    body: ShowtimeCreate, user: AdminUser, session: SessionDep, rules: RulesDep
) -> ShowtimePublic:
    now = utcnow()
    showtime = await showtimes_service.create_showtime(session, data=body, rules=rules, now=now)
    return await queries.showtime_public(session, showtime=showtime, policy=rules.policy, now=now)


@admin_routes.put(
    "/{id}",
    response_model=ShowtimePublic,
    summary="Reschedule or reprice a showtime that has not started (moving needs no seat sold)",
)
async def update_showtime(
    showtime_id: ShowtimeId,
    body: ShowtimeUpdate,
    user: AdminUser,
    session: SessionDep,
    rules: RulesDep,
) -> ShowtimePublic:
    now = utcnow()
    showtime, _ = await showtimes_service.update_showtime(
        session, showtime_id=showtime_id, data=body, rules=rules, now=now
    )
    return await queries.showtime_public(session, showtime=showtime, policy=rules.policy, now=now)


@admin_routes.delete(
    "/{id}",
    response_model=CancelledShowtime,
    summary="Cancel a showtime: Admin when no seat is sold or held; with sales Manager or "
    "Admin, with a reason; every booking is then cancelled and refunded in full",
)
async def cancel_showtime(
    showtime_id: ShowtimeId,
    user: ManagerUser,
    session: SessionDep,
    rules: RulesDep,
    body: Annotated[CancelRequest, Query()],
) -> CancelledShowtime:
    now = utcnow()
    cancelled = await showtimes_service.cancel_showtime(
        session,
        showtime_id=showtime_id,
        now=now,
        actor=Actor(id=user.user_id, role=user.role),
        reason=body.reason,
    )
    showtime = await showtimes_service.get_showtime(session, showtime_id=showtime_id)
    return CancelledShowtime(
        showtime=await queries.showtime_public(session, showtime=showtime, policy=rules.policy, now=now),
        booked_seats=len(cancelled.booked_seat_ids),
        held_seats=cancelled.held_seats,
    )


router = APIRouter(tags=["showtimes"])
router.include_router(open_routes)
router.include_router(admin_routes)
