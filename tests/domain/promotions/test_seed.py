"""`cinema seed`'s demo vouchers: made once, found again on a rerun, each usable as its scope says."""

from __future__ import annotations

from cinema.seed import run_seed
from cinema.seed_fnb import seed_fnb
from cinema.seed_promotions import VOUCHERS, seed_promotions
from domain.promotions.repository import PromotionsRepository
from domain.promotions.rules import VoucherScope, VoucherType
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings


async def test_seed_vouchers_once(settings: Settings, sessionmaker: SessionMaker) -> None:
    await run_seed(settings.resolved_database_url, steps=[("fnb", seed_fnb), ("vouchers", seed_promotions)])
    again = await run_seed(settings.resolved_database_url, steps=[("vouchers", seed_promotions)])
    assert len(again) == len(VOUCHERS) and not any(s.created for s in again), "a second run changes nothing"
    async with unit_of_work(sessionmaker) as session:
        repo = PromotionsRepository(session)
        tuesday, free = await repo.voucher_by_code("THU3VUIVE"), await repo.voucher_by_code("VIPBAP")
    assert tuesday is not None and tuesday.days_of_week == [2] and tuesday.applicable_for is VoucherScope.MOVIE
    assert free is not None and free.type is VoucherType.FREE_ITEM and free.free_item_id is not None
    assert free.seat_types == ["VIP"]
