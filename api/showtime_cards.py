"""A per-process cache of showtime cards (film, cinema, start) for the booking saga's summary in the Temporal UI:
on a hot showtime the hold reads them once a minute, not once per winner. A showtime moved meanwhile shows its
old start in the summaries of sagas started within that minute (the saga's own data is not affected)."""

from __future__ import annotations

import time
import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.showtimes.queries import ShowtimeCard, showtime_card

TTL_SECONDS = 60.0
MAX_CARDS = 4096


class ShowtimeCards:
    def __init__(self, ttl: float = TTL_SECONDS, size: int = MAX_CARDS) -> None:
        self._ttl, self._size = ttl, size
        self._cards: dict[uuid.UUID, tuple[float, ShowtimeCard]] = {}

    async def get(self, session: AsyncSession, showtime_id: uuid.UUID) -> ShowtimeCard:
        now = time.monotonic()
        cached = self._cards.get(showtime_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        card = await showtime_card(session, showtime_id=showtime_id)
        if len(self._cards) >= self._size:
            self._cards = {k: v for k, v in self._cards.items() if v[0] > now}
            if len(self._cards) >= self._size:
                self._cards.clear()
        self._cards[showtime_id] = (now + self._ttl, card)
        return card


CARDS = ShowtimeCards()
