"""`cinema seed`'s demo flash sale: tomorrow evening local time, on a film now showing; made once."""

from __future__ import annotations

from datetime import time, timedelta

from sqlmodel import select

from cinema.seed import run_seed
from cinema.seed_catalog import seed_genres, seed_movies
from cinema.seed_flash_sale import NAME, seed_flash_sale
from domain.promotions.models import FlashSale
from domain.shared.time import LOCAL_TZ, utcnow
from infra.db import SessionMaker
from infra.settings import Settings


async def test_a_flash_sale_tomorrow_evening_made_once(settings: Settings, sessionmaker: SessionMaker) -> None:
    url = settings.resolved_database_url
    await run_seed(url, steps=[("genres", seed_genres), ("movies", seed_movies), ("flash", seed_flash_sale)])
    [again] = await run_seed(url, steps=[("flash", seed_flash_sale)])
    assert not again.created
    async with sessionmaker() as session:
        [sale] = (await session.exec(select(FlashSale).where(FlashSale.name == NAME))).all()
    starts = sale.starts_at.astimezone(LOCAL_TZ)
    assert starts.date() == utcnow().astimezone(LOCAL_TZ).date() + timedelta(days=1)
    assert starts.time() == time(18, 0) and sale.ends_at - sale.starts_at == timedelta(hours=4)
    assert (sale.flash_price, sale.quota, sale.per_user_limit, sale.seat_types) == (49_000, 100, 2, ["Standard"])
    assert sale.movie_id is not None
