"""Promotion activities of the booking saga: voucher uses (reserve, give back, make final), flash tickets (give
back, sell) and loyalty points."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from activities.errors import refused_step
from domain.bookings import service as bookings_service
from domain.contracts.events import Topic
from domain.promotions import flash_sales, loyalty
from domain.promotions import service as promotions_service
from domain.promotions.flash_schemas import FlashClaimInput
from domain.promotions.rules import PricedSeat, Purchase
from domain.promotions.schemas import (
    LoyaltyInput,
    PointsSpent,
    ReleaseVoucherInput,
    ReserveVoucherInput,
    SpendPointsInput,
    VoucherReserved,
)
from domain.promotions.tiers import DEFAULT_POLICY, TierPolicy
from domain.shared.saga_events import saga_step
from domain.shared.time import LOCAL_TZ, utcnow
from domain.showtimes import service as showtimes_service
from infra.db import SessionMaker, unit_of_work

SERVICE = "promotions"


async def _purchase(session: AsyncSession, input: ReserveVoucherInput) -> Purchase:
    """What the voucher applies to, with the showtime's film, cinema and local start, and whether this is the
    customer's first paid booking. A saga from before scopes sends only the tickets' amount."""
    if input.showtime_id is None:
        return Purchase(seats=(PricedSeat("Standard", input.amount),))
    showtime = await showtimes_service.get_showtime(session, showtime_id=input.showtime_id)
    return Purchase(seats=tuple(PricedSeat(seat.type, seat.price) for seat in input.seats),
                    fnb_amount=input.fnb_amount, movie_id=showtime.movie_id, cinema_id=showtime.cinema_id,
                    starts_local=showtime.start_time.astimezone(LOCAL_TZ),
                    first_booking=not await bookings_service.has_paid_booking(session, user_id=input.user_id))


class PromotionActivities:
    def __init__(self, sessionmaker: SessionMaker, policy: TierPolicy = DEFAULT_POLICY) -> None:
        self._sessionmaker = sessionmaker
        self._policy = policy  # tiers' earn multipliers (settings.loyalty)

    @activity.defn
    async def reserve_voucher(self, input: ReserveVoucherInput) -> VoucherReserved:
        """Hold one use of the voucher for the booking (atomic; idempotent on the booking id)."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="validate_voucher",
                                service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                purchase = await _purchase(session, input)
                reserved = await promotions_service.reserve(session, booking_id=input.booking_id,
                                                            user_id=input.user_id, code=input.code,
                                                            purchase=purchase, now=utcnow())
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id,
                                step="validate_voucher", service=SERVICE)
                return reserved

    @activity.defn
    async def release_voucher(self, input: ReleaseVoucherInput) -> None:
        """Compensates reserve_voucher: give the use back (nothing reserved: no-op)."""
        async with unit_of_work(self._sessionmaker) as session:
            await promotions_service.release(session, booking_id=input.booking_id, now=utcnow())
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="release_voucher",
                            service=SERVICE)

    @activity.defn
    async def use_voucher(self, input: ReleaseVoucherInput) -> None:
        """The booking is paid: its reserved use becomes final."""
        async with unit_of_work(self._sessionmaker) as session:
            await promotions_service.mark_used(session, booking_id=input.booking_id, now=utcnow())

    @activity.defn
    async def release_flash_sale(self, input: FlashClaimInput) -> None:
        """Compensates the hold's flash tickets (claimed with its seats at the API edge): back to the quota."""
        async with unit_of_work(self._sessionmaker) as session:
            await flash_sales.release(session, booking_id=input.booking_id, now=utcnow())
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="release_flash_sale",
                            service=SERVICE)

    @activity.defn
    async def sell_flash_sale(self, input: FlashClaimInput) -> None:
        """The booking is paid: its flash tickets are sold (refused, FLASH_SALE_SOLD_OUT, when its hold ran out
        and the quota went to others meanwhile)."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="sell_flash_sale",
                                service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                await flash_sales.sell(session, booking_id=input.booking_id, now=utcnow())
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id,
                                step="sell_flash_sale", service=SERVICE)

    @activity.defn
    async def award_points(self, input: LoyaltyInput) -> int:
        """Credit the points of a paid booking (once per booking)."""
        async with unit_of_work(self._sessionmaker) as session:
            points = await loyalty.earn(session, user_id=input.user_id, booking_id=input.booking_id,
                                        amount_paid=input.amount_paid, policy=self._policy)
            await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id,
                            step="update_loyalty_points", service=SERVICE)
            return points

    @activity.defn
    async def redeem_points(self, input: SpendPointsInput) -> PointsSpent:
        """Spend the customer's points as a tender on the booking (idempotent; refused when short, over the
        cap, or already given back)."""
        async with refused_step(self._sessionmaker, saga_id=input.booking_id, step="redeem_points",
                                service=SERVICE):
            async with unit_of_work(self._sessionmaker) as session:
                amount = await loyalty.spend(session, user_id=input.user_id, booking_id=input.booking_id,
                                             points=input.points, amount_due=input.amount_due)
                await saga_step(session, Topic.SAGA_STEP_COMPLETED, saga_id=input.booking_id,
                                step="redeem_points", service=SERVICE)
                return PointsSpent(points=input.points, amount=amount)

    @activity.defn
    async def restore_points(self, input: LoyaltyInput) -> int:
        """Compensates redeem_points, and a cancellation's share: give the spent points back (once)."""
        async with unit_of_work(self._sessionmaker) as session:
            back = await loyalty.restore(session, user_id=input.user_id, booking_id=input.booking_id,
                                         refund_percent=input.refund_percent)
            await saga_step(session, Topic.SAGA_COMPENSATING, saga_id=input.booking_id, step="restore_points",
                            service=SERVICE)
            return back

    @activity.defn
    async def revoke_points(self, input: LoyaltyInput) -> int:
        """Take back what a refunded booking earned, in the share refunded (once)."""
        async with unit_of_work(self._sessionmaker) as session:
            return await loyalty.revoke(session, user_id=input.user_id, booking_id=input.booking_id,
                                        refund_percent=input.refund_percent)
