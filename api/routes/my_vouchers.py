"""Routes of vouchers given to people: an Admin assigns a voucher to users or a segment; each user sees theirs."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminUser, CurrentUser, SessionDep
from domain.promotions import assignments
from domain.promotions.assignment_schemas import AssignResult, AssignVoucherRequest, WalletQuery, WalletVoucher
from domain.shared.schemas import Page
from domain.shared.time import utcnow

router = APIRouter(prefix="/promotions", tags=["promotions"])


@router.post("/vouchers/{voucher_id}/assign", response_model=AssignResult,
             summary="Give a voucher to users or a segment of customers (Admin); assigning twice adds nobody twice")
async def assign_voucher(voucher_id: uuid.UUID, body: AssignVoucherRequest, admin: AdminUser,
                         session: SessionDep) -> AssignResult:
    return await assignments.assign(session, voucher_id=voucher_id, request=body, admin_id=admin.user_id,
                                    now=utcnow())


@router.get("/my-vouchers", response_model=Page[WalletVoucher],
            summary="Your vouchers: those given to you and public ones you used; usable first, ending soonest")
async def my_vouchers(query: Annotated[WalletQuery, Query()], user: CurrentUser,
                      session: SessionDep) -> Page[WalletVoucher]:
    items, total = await assignments.wallet(session, user_id=user.user_id, query=query, now=utcnow())
    return Page[WalletVoucher](items=items, total=total, page=query.page, page_size=query.page_size)
