"""F&B activities of the booking saga: hold a pre-order's stock at the showtime's cinema, give it back, sell it."""

from __future__ import annotations

from temporalio import activity

from activities.errors import refused_step
from domain.contracts.events import Topic
from domain.fnb import stock as fnb_stock
from domain.fnb.schemas import FnbOrderRef, FnbReserved, ReserveFnbInput
from domain.shared.saga_events import saga_step
from domain.showtimes import service as showtimes_service
from infra.db import SessionMaker, unit_of_work

SERVICE = "fnb"


class FnbActivities:
    def __init__(self, sessionmaker: SessionMaker) -> None:
        self._sessionmaker = sessionmaker

    @activity.defn
    async def reserve_fnb(self, input: ReserveFnbInput) -> FnbReserved:
        """Hold the order's components at the showtime's cinema, all or nothing, priced as the menu is now
        (idempotent on the booking and checkout attempt). FNB_OUT_OF_STOCK names what is short."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="reserve_fnb", service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                showtime = await showtimes_service.get_showtime(session, showtime_id=input.showtime_id)
                reserved = await fnb_stock.reserve(
                    session, booking_id=input.booking_id, cinema_id=showtime.cinema_id, lines=input.lines,
                    attempt=input.attempt, showtime_id=showtime.id, starts_at=showtime.start_time,
                    free=input.free_lines)
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id, step="reserve_fnb",
                                service=SERVICE)
                return reserved

    @activity.defn
    async def release_fnb(self, input: FnbOrderRef) -> None:
        """Compensates reserve_fnb: give the units of this attempt (or an older one) back; nothing held: a
        no-op that still marks the attempt released, so a late reserve of it holds nothing."""
        async with unit_of_work(self._sessionmaker) as session:
            showtime = await showtimes_service.get_showtime(session, showtime_id=input.showtime_id)
            await fnb_stock.release(session, booking_id=input.booking_id, attempt=input.attempt,
                                    cinema_id=showtime.cinema_id)
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="release_fnb",
                            service=SERVICE)

    @activity.defn
    async def sell_fnb(self, input: FnbOrderRef) -> None:
        """The booking is paid and confirmed: its held units leave the stock as a sale (idempotent)."""
        async with unit_of_work(self._sessionmaker) as session:
            await fnb_stock.sell(session, booking_id=input.booking_id)
            await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id, step="sell_fnb",
                            service=SERVICE)
