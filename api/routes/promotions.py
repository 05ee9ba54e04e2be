"""Routes of the promotions service: vouchers and loyalty points (flash sales, tiers, redemption come later)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api.deps import AdminUser, CurrentUser, SessionDep, SettingsDep
from domain.promotions import loyalty, membership
from domain.promotions import service as promotions_service
from domain.promotions.schemas import (
    ExpiringPoints,
    LoyaltyEntry,
    LoyaltyPage,
    PointsRedeemed,
    RedeemPointsRequest,
    ValidateVoucherRequest,
    VoucherCreate,
    VoucherPublic,
    VoucherQuery,
    VoucherQuote,
    VoucherUpdate,
)
from domain.shared.schemas import Page, PageParams
from domain.shared.time import utcnow
from domain.users import service as users_service

router = APIRouter(prefix="/promotions", tags=["promotions"])
VoucherId = Annotated[uuid.UUID, Path(alias="id", description="The voucher's id")]


@router.post("/vouchers", status_code=status.HTTP_201_CREATED, response_model=VoucherPublic,
             summary="Create a voucher (Admin); codes are unique, case-insensitive")
async def create_voucher(body: VoucherCreate, admin: AdminUser, session: SessionDep) -> VoucherPublic:
    return promotions_service.public(await promotions_service.create_voucher(session, data=body), utcnow())


@router.put("/vouchers/{id}", response_model=VoucherPublic,
            summary="Change or deactivate a voucher (Admin); only the fields sent change",
            responses={409: {"description": "A usage limit below the uses made (VOUCHER_LIMIT_BELOW_USES)"}})
async def update_voucher(voucher_id: VoucherId, body: VoucherUpdate, admin: AdminUser,
                         session: SessionDep) -> VoucherPublic:
    now = utcnow()
    voucher = await promotions_service.update_voucher(session, voucher_id=voucher_id, data=body, now=now)
    return promotions_service.public(voucher, now)


@router.get("/vouchers", response_model=Page[VoucherPublic], summary="Vouchers, newest first (Admin)")
async def list_vouchers(query: Annotated[VoucherQuery, Query()], admin: AdminUser,
                        session: SessionDep) -> Page[VoucherPublic]:
    now = utcnow()
    vouchers, total = await promotions_service.list_vouchers(session, query=query, now=now)
    return Page[VoucherPublic](items=[promotions_service.public(v, now) for v in vouchers], total=total,
                               page=query.page, page_size=query.page_size)


@router.post("/validate-voucher", response_model=VoucherQuote,
             summary="What a voucher takes off an amount for you now; reserves nothing")
async def validate_voucher(body: ValidateVoucherRequest, user: CurrentUser, session: SessionDep) -> VoucherQuote:
    return await promotions_service.quote(session, code=body.code, user_id=user.user_id, amount=body.amount,
                                          now=utcnow())


@router.get("/loyalty-points", response_model=LoyaltyPage,
            summary="Your points balance, tier, progress to the next tier, points expiring soon and the ledger "
                    "behind them, newest first")
async def loyalty_points(user: CurrentUser, session: SessionDep, settings: SettingsDep,
                         page: Annotated[PageParams, Query()]) -> LoyaltyPage:
    # One snapshot for the balance, the spend and the ledger: a refund committing between two reads must not show
    # its points taken but its spend not yet (a read-only REPEATABLE READ transaction never fails to commit).
    await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    policy = settings.loyalty.policy()
    summary = await users_service.loyalty(session, user_id=user.user_id)
    standing = await membership.standing(session, user_id=user.user_id, tier=summary.membership_tier,
                                         today=membership.local_day(utcnow()), policy=policy)
    rows, total = await loyalty.history(session, user_id=user.user_id, offset=page.offset, limit=page.page_size)
    return LoyaltyPage(balance=summary.points, membership_tier=summary.membership_tier, tier=summary.membership_tier,
                       net_spend_12m=standing.net_spend, next_tier=standing.progress.next_tier,
                       to_next_tier=standing.progress.to_next,
                       expiring_soon=[ExpiringPoints(points=p, expires_on=d) for d, p in standing.expiring],
                       items=[LoyaltyEntry.model_validate(r) for r in rows], total=total, page=page.page,
                       page_size=page.page_size)


@router.post("/redeem-points", status_code=status.HTTP_201_CREATED, response_model=PointsRedeemed,
             summary="Turn points into a personal voucher (1 point = 1,000 VND off, one use, 180 days)",
             responses={409: {"description": "Not enough points (POINTS_NOT_ENOUGH, with your balance)"}})
async def redeem_points(body: RedeemPointsRequest, user: CurrentUser, session: SessionDep) -> PointsRedeemed:
    """A repeat with the same `Idempotency-Key` answers the first voucher and spends nothing more."""
    now = utcnow()
    voucher, balance = await loyalty.redeem_for_voucher(session, user_id=user.user_id, points=body.points, now=now)
    return PointsRedeemed(voucher=promotions_service.public(voucher, now), points_spent=body.points, balance=balance)
