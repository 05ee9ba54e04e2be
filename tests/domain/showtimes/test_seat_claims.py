"""The seat claim against real PostgreSQL: all or nothing, and the no-lone-seat rule can be turned off."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from domain.shared.time import utcnow
from domain.showtimes import seat_claims
from domain.showtimes.pricing import PricingPolicy
from domain.showtimes.seat_rules import OrphanSeat
from infra.db import SessionMaker, unit_of_work
from tests.bookings_support import locked, make_showtime, seat_ids


async def claim(sessionmaker: SessionMaker, showtime_id: uuid.UUID, ids: list[str], **kw: object) -> object:
    async with unit_of_work(sessionmaker) as session:
        return await seat_claims.claim(session, showtime_id=showtime_id, seat_ids=[uuid.UUID(i) for i in ids],
                                       booking_id=uuid.uuid4(), user_id=uuid.uuid4(),
                                       until=utcnow() + timedelta(minutes=5), now=utcnow(), max_seats=8,
                                       policy=PricingPolicy(), **kw)  # type: ignore[arg-type]


async def test_the_lone_seat_rule_is_a_setting(sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    ids = await seat_ids(sessionmaker, showtime.id, "A6", "A7")  # would leave A5 alone by the aisle
    with pytest.raises(OrphanSeat):
        await claim(sessionmaker, showtime.id, ids)
    await claim(sessionmaker, showtime.id, ids, orphan_rule=False)
    assert await locked(sessionmaker, showtime.id) == {"A6", "A7"}


async def test_a_claim_never_half_succeeds(sessionmaker: SessionMaker) -> None:
    showtime = await make_showtime(sessionmaker)
    await claim(sessionmaker, showtime.id, await seat_ids(sessionmaker, showtime.id, "B2", "B3"), orphan_rule=False)
    with pytest.raises(seat_claims.SeatsUnavailable):
        await claim(sessionmaker, showtime.id, await seat_ids(sessionmaker, showtime.id, "B1", "B2"),
                    orphan_rule=False)
    assert await locked(sessionmaker, showtime.id) == {"B2", "B3"}  # B1 was not taken on its own
