"""Flash-sale math: what a sale covers, a seat's flash price, and whether a hold may take flash tickets. Pure.

A flash sale has a window, a cover (showtimes by id, or every showtime of a movie; optionally only some
seat types), a price (a fixed `flashPrice` per seat, or `discountPercent` off the seat's price of the moment)
and a **quota** of tickets with a **per-user limit**. At the hold, each covered seat that the flash price
makes cheaper is a flash ticket; a hold takes all its flash tickets or none (a refusal says how many are
left, so the customer can ask for fewer or accept the regular price). Quota is counted by live claims: sold
ones, and held ones whose hold has not expired.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.shared.errors import Conflict

VND_STEP = 1000


class FlashSaleSoldOut(Conflict):
    code = "FLASH_SALE_SOLD_OUT"


class FlashSaleLimitReached(Conflict):
    code = "FLASH_SALE_LIMIT_REACHED"


@dataclass(frozen=True)
class FlashTerms:
    sale_id: uuid.UUID
    name: str
    starts_at: datetime
    ends_at: datetime
    showtime_ids: frozenset[uuid.UUID]
    movie_id: uuid.UUID | None
    seat_types: frozenset[str]  # empty: every seat type
    flash_price: int | None
    discount_percent: int | None
    quota: int
    per_user_limit: int

    def covers(self, *, showtime_id: uuid.UUID, movie_id: uuid.UUID | None, at: datetime) -> bool:
        if not self.starts_at <= at < self.ends_at:
            return False
        return showtime_id in self.showtime_ids or (self.movie_id is not None and self.movie_id == movie_id)

    def price(self, seat_type: str, regular: int) -> int | None:
        """The flash price of a seat of `seat_type` whose price would be `regular`; None when the sale does not
        make it cheaper (not a flash ticket, no quota used). A percentage is rounded down to 1,000 VND."""
        if self.seat_types and seat_type not in self.seat_types:
            return None
        if self.flash_price is not None:
            flash = self.flash_price
        else:
            assert self.discount_percent is not None
            flash = regular * (100 - self.discount_percent) // 100 // VND_STEP * VND_STEP
        return flash if 0 <= flash < regular else None


def pick(sales: list[FlashTerms], *, showtime_id: uuid.UUID, movie_id: uuid.UUID | None,
         at: datetime) -> FlashTerms | None:
    """The sale that prices a hold on this showtime now: of those covering it, the one that started first."""
    covering = [sale for sale in sales if sale.covers(showtime_id=showtime_id, movie_id=movie_id, at=at)]
    return min(covering, key=lambda sale: (sale.starts_at, str(sale.sale_id)), default=None)


def check_grant(terms: FlashTerms, *, wanted: int, sold_or_held: int, users: int) -> None:
    """May a hold take `wanted` flash tickets when `sold_or_held` of the quota are taken, `users` of them by
    this customer? Raises FLASH_SALE_SOLD_OUT or FLASH_SALE_LIMIT_REACHED saying what is left."""
    left = max(terms.quota - sold_or_held, 0)
    if wanted > left:
        raise FlashSaleSoldOut(
            f"{terms.name}: {left} flash tickets left, {wanted} asked for." if left else f"{terms.name} is sold out.",
            {"flashSaleId": str(terms.sale_id), "left": left, "wanted": wanted})
    yours = max(terms.per_user_limit - users, 0)
    if wanted > yours:
        raise FlashSaleLimitReached(
            f"{terms.name} allows {terms.per_user_limit} tickets per customer; you may take {yours} more.",
            {"flashSaleId": str(terms.sale_id), "perUserLimit": terms.per_user_limit, "yoursLeft": yours,
             "wanted": wanted})
