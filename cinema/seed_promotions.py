"""Demo vouchers for `cinema seed`: a welcome voucher for a first booking, Happy Tuesday, early shows, half-price
F&B and a free popcorn with VIP seats. Found again by code on a rerun and left as they are."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.fnb.models import FnbItem
from domain.promotions import service as promotions_service
from domain.promotions.repository import PromotionsRepository
from domain.promotions.schemas import VoucherCreate

if TYPE_CHECKING:
    from cinema.seed import Seeded

FREE_POPCORN = "Bắp rang bơ ngọt M"
# (code, what it is, the rest of its body)
VOUCHERS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("CHAOBAN", "Chào bạn mới: -20% vé cho lần đặt đầu tiên",
     {"type": "Percentage", "value": 20, "maxDiscount": 50_000, "applicableFor": "Movie", "firstBookingOnly": True}),
    ("THU3VUIVE", "Happy Tuesday: giảm 30.000 ₫ vé suất thứ Ba",
     {"type": "FixedAmount", "value": 30_000, "applicableFor": "Movie", "daysOfWeek": [2], "perUserLimit": 4}),
    ("SUATSOM", "Suất sớm: -15% vé suất chiếu trước 12:00",
     {"type": "Percentage", "value": 15, "applicableFor": "Movie", "timeTo": "12:00:00", "perUserLimit": None}),
    ("BAPNUOC50", "-50% bắp nước khi đặt kèm vé (tối đa 60.000 ₫)",
     {"type": "Percentage", "value": 50, "maxDiscount": 60_000, "applicableFor": "FnB", "minPurchase": 150_000}),
    ("VIPBAP", "Tặng 1 bắp ngọt M khi đặt ghế VIP",
     {"type": "FreeItem", "value": 1, "seatTypes": ["VIP"], "usageLimit": 500}),
)


def _seeded(name: str, created: bool) -> Seeded:
    from cinema.seed import Seeded  # cinema.seed imports this module to register its step

    return Seeded(kind="voucher", name=name, created=created)


async def seed_promotions(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo vouchers exist, valid from yesterday for 90 days."""
    popcorn = (await session.exec(select(FnbItem).where(FnbItem.name == FREE_POPCORN))).one_or_none()
    seeded = []
    for code, description, body in VOUCHERS:
        if body["type"] == "FreeItem":
            if popcorn is None:  # the F&B step did not run
                continue
            body = {**body, "freeItemId": str(popcorn.id)}
        if await PromotionsRepository(session).voucher_by_code(code) is not None:
            seeded.append(_seeded(f"{code} — {description}", False))
            continue
        await promotions_service.create_voucher(session, data=VoucherCreate.model_validate({
            "code": code, "description": description, "startsAt": (now - timedelta(days=1)).isoformat(),
            "endsAt": (now + timedelta(days=90)).isoformat(), **body}))
        seeded.append(_seeded(f"{code} — {description}", True))
    return seeded
