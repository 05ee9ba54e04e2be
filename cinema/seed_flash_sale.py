"""The demo flash sale for `cinema seed`: tomorrow evening (18:00-22:00, Asia/Ho_Chi_Minh), Standard seats of the
first film now showing at 49.000 ₫, 100 tickets, 2 per customer. Found again by name on a rerun and left as it is."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.movies.models import Movie, MovieStatus
from domain.promotions import flash_sales
from domain.promotions.flash_schemas import FlashSaleCreate
from domain.promotions.models import FlashSale
from domain.shared.time import LOCAL_TZ

if TYPE_CHECKING:
    from cinema.seed import Seeded

NAME = "Flash Sale tối mai: vé thường 49.000 ₫"


async def seed_flash_sale(session: AsyncSession, now: datetime) -> list[Seeded]:
    from cinema.seed import Seeded  # cinema.seed imports this module to register its step

    if (await session.exec(select(FlashSale).where(FlashSale.name == NAME))).first() is not None:
        return [Seeded(kind="flash sale", name=NAME, created=False)]
    movie = (await session.exec(select(Movie).where(col(Movie.status) == MovieStatus.SHOWING)
                                .order_by(col(Movie.title)))).first()
    if movie is None:  # the catalog step did not run
        return []
    tomorrow = now.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    await flash_sales.create(session, data=FlashSaleCreate(
        name=NAME, starts_at=datetime.combine(tomorrow, time(18, 0), LOCAL_TZ),
        ends_at=datetime.combine(tomorrow, time(22, 0), LOCAL_TZ), movie_id=movie.id, seat_types=["Standard"],
        flash_price=49_000, quota=100, per_user_limit=2), by=None)
    return [Seeded(kind="flash sale", name=f"{NAME} — {movie.title}", created=True)]
