"""Demo F&B for `cinema seed`: a believable menu (popcorn M/L in three flavours, soft drinks, water, nachos,
hot dog), three combos, and stock in every demo cinema, with one cinema short of caramel popcorn L.

Items and combos are found again by name and stock rows by (cinema, item), then left as they are, so a
second run changes nothing (and never undoes what the counters sold or counted since).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession

from cinema.seed_catalog import CINEMAS
from domain.cinemas.repository import CinemasRepository
from domain.fnb import service as fnb_service
from domain.fnb.schemas import ComboCreate, ItemCreate, StockChange

if TYPE_CHECKING:
    from cinema.seed import Seeded

# (name, category, price VND, description, units per cinema)
ITEMS: tuple[tuple[str, str, int, str, int], ...] = (
    ("Bắp rang bơ ngọt M", "Food", 55_000, "Bắp rang bơ vị ngọt, cỡ vừa", 120),
    ("Bắp rang bơ ngọt L", "Food", 65_000, "Bắp rang bơ vị ngọt, cỡ lớn", 100),
    ("Bắp phô mai M", "Food", 60_000, "Bắp rang vị phô mai, cỡ vừa", 80),
    ("Bắp phô mai L", "Food", 70_000, "Bắp rang vị phô mai, cỡ lớn", 70),
    ("Bắp caramel M", "Food", 60_000, "Bắp rang vị caramel, cỡ vừa", 80),
    ("Bắp caramel L", "Food", 70_000, "Bắp rang vị caramel, cỡ lớn", 70),
    ("Coca-Cola", "Drink", 35_000, "Coca-Cola ly 22 oz", 200),
    ("Sprite", "Drink", 35_000, "Sprite ly 22 oz", 150),
    ("Fanta", "Drink", 35_000, "Fanta cam ly 22 oz", 150),
    ("Nước suối", "Drink", 20_000, "Nước suối chai 500 ml", 150),
    ("Nachos phô mai", "Food", 65_000, "Bánh nachos với sốt phô mai", 50),
    ("Hot dog", "Food", 45_000, "Xúc xích kẹp bánh mì", 40),
)
# (name, price, description, [(item, quantity)])
COMBOS: tuple[tuple[str, int, str, tuple[tuple[str, int], ...]], ...] = (
    ("Combo Solo", 85_000, "1 bắp ngọt M + 1 Coca-Cola", (("Bắp rang bơ ngọt M", 1), ("Coca-Cola", 1))),
    ("Combo Couple", 129_000, "1 bắp ngọt L + 2 Coca-Cola", (("Bắp rang bơ ngọt L", 1), ("Coca-Cola", 2))),
    ("Combo Family", 239_000, "2 bắp ngọt L + 1 bắp caramel L + 4 nước ngọt",
     (("Bắp rang bơ ngọt L", 2), ("Bắp caramel L", 1), ("Coca-Cola", 2), ("Sprite", 2))),
)
# One cinema is short of something: a few units, under the low-stock threshold.
SHORT = (CINEMAS[1].name, "Bắp caramel L", 3)


def _seeded(kind: str, name: str, created: bool) -> Seeded:
    from cinema.seed import Seeded  # cinema.seed imports this module to register its step

    return Seeded(kind=kind, name=name, created=created)


async def seed_fnb(session: AsyncSession, now: datetime) -> list[Seeded]:
    """Ensure the demo menu, combos and each demo cinema's stock exist."""
    seeded, ids = [], {}
    for name, category, price, description, _ in ITEMS:
        item, created = await fnb_service.ensure_item(session, body=ItemCreate.model_validate(
            {"name": name, "category": category, "price": price, "description": description}))
        ids[name] = item.id
        seeded.append(_seeded(f"F&B item ({category}, {price:,} VND)", name, created))
    for name, price, description, recipe in COMBOS:
        combo, created = await fnb_service.ensure_combo(session, body=ComboCreate.model_validate({
            "name": name, "price": price, "description": description,
            "items": [{"itemId": ids[item], "quantity": q} for item, q in recipe]}))
        seeded.append(_seeded(f"F&B combo ({price:,} VND)", combo.name, created))
    for demo in CINEMAS:
        cinema = await CinemasRepository(session).cinema_by_name(demo.name)
        if cinema is None:  # the cinemas step did not run
            continue
        made = 0
        for name, _, _, _, units in ITEMS:
            if await fnb_service.has_stock_row(session, cinema_id=cinema.id, item_id=ids[name]):
                continue
            quantity = SHORT[2] if (demo.name, name) == SHORT[:2] else units
            await fnb_service.change_stock(session, item_id=ids[name], actor_id=None, body=StockChange(
                cinema_id=cinema.id, delta=quantity, kind="Receipt", reason="Opening stock"))
            made += 1
        seeded.append(_seeded("F&B stock", f"{demo.name} ({len(ITEMS)} items)", made > 0))
    return seeded
