"""Seat prices at the API edge: the settings' pricing policy with the time promotions that are data now.

Every route that prices seats for customers (showtime listings and reads, the seat map, the hold) takes its
policy from here. The active promotions come from one cache per process (domain/promotions/time_promotions.py
ActiveTimePromotions): a change made through /api/promotions/time-promotions applies at once in the API process
that made it, and within TTL_SECONDS (5 s) in every other process. A seat map already cached in Redis keeps the
prices it was built with for at most infra/seat_map_events.py CACHE_SECONDS (30 s); the hold prices afresh.

`CINEMA_SHOWTIMES__PRICING__PROMOTIONS` (the list these replaced), when set, still wins over the table: an
operator's explicit override, e.g. `[]` to switch every time promotion off at once.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from fastapi import Request

from domain.promotions.time_promotions import ActiveTimePromotions
from domain.shared.time import utcnow
from domain.showtimes.pricing import PricingPolicy
from infra.db import SessionMaker
from infra.settings import Settings

log = logging.getLogger(__name__)
_caches: WeakKeyDictionary[SessionMaker, ActiveTimePromotions] = WeakKeyDictionary()
_warned = False


def promotions_from_settings(settings: Settings) -> bool:
    """Whether the old setting still names the promotions (then the table is not read)."""
    return "promotions" in settings.showtimes.pricing


def active_promotions(sessionmaker: SessionMaker) -> ActiveTimePromotions:
    """This process's cache of the active promotions of that database."""
    cache = _caches.get(sessionmaker)
    if cache is None:
        cache = _caches[sessionmaker] = ActiveTimePromotions(sessionmaker)
    return cache


async def priced_policy(request: Request, policy: PricingPolicy) -> PricingPolicy:
    """`policy` with the time promotions active now."""
    global _warned
    state = request.state
    if promotions_from_settings(state.settings):
        if not _warned:
            _warned = True
            log.warning("CINEMA_SHOWTIMES__PRICING__PROMOTIONS is set: it wins over /api/promotions/time-promotions")
        return policy
    promotions = await active_promotions(state.sessionmaker).get(utcnow())
    return policy.model_copy(update={"promotions": promotions})
