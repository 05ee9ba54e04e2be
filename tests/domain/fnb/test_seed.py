"""`cinema seed`'s F&B: the menu, three combos, stock in every demo cinema (one short), found again on a rerun."""

from __future__ import annotations

from sqlmodel import select

from cinema.seed import run_seed
from cinema.seed_catalog import CINEMAS, seed_cinemas
from cinema.seed_fnb import COMBOS, ITEMS, SHORT, seed_fnb
from domain.cinemas.repository import CinemasRepository
from domain.fnb import service as fnb_service
from domain.fnb.models import FnbItem
from domain.fnb.schemas import MenuQuery
from infra.db import SessionMaker, unit_of_work
from infra.settings import Settings


async def test_seed_fnb_once_with_one_cinema_short(settings: Settings, sessionmaker: SessionMaker) -> None:
    await run_seed(settings.resolved_database_url, steps=[("cinemas", seed_cinemas)])
    await run_seed(settings.resolved_database_url, steps=[("fnb", seed_fnb)])
    again = await run_seed(settings.resolved_database_url, steps=[("fnb", seed_fnb)])
    assert len(again) == len(ITEMS) + len(COMBOS) + len(CINEMAS)
    assert not any(s.created for s in again), "a second run changes nothing"
    async with unit_of_work(sessionmaker) as session:
        short = await CinemasRepository(session).cinema_by_name(SHORT[0])
        assert short is not None
        combos = await fnb_service.list_combos(session, query=MenuQuery(cinema_id=short.id, page_size=100))
        by_name = {c.name: c for c in combos.items}
        assert by_name["Combo Family"].stock == 3 and by_name["Combo Solo"].stock == 120
        assert all(by_name[name].discount > 0 for name, *_ in COMBOS)
        stock = await fnb_service.list_stock(session, cinema_id=short.id, page=MenuQuery(page_size=100))
        low = [s.name for s in stock.items if s.low]
        assert low == [SHORT[1]]
        item = (await session.exec(select(FnbItem).where(FnbItem.name == SHORT[1]))).one()
        assert item.price == 70_000
