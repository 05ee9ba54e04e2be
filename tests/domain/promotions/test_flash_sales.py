"""Flash-sale claims on real PostgreSQL: the quota and the per-user limit under 1,000 concurrent buyers, the quota
back after expired or released holds, and the sale of a paid hold."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from domain.promotions import flash_sales
from domain.promotions.flash_rules import FlashSaleLimitReached, FlashSaleSoldOut
from domain.promotions.flash_schemas import FlashSaleCreate
from domain.promotions.models import FlashClaimStatus, FlashSale, FlashSaleClaim
from domain.shared.time import utcnow
from infra.db import SessionMaker, unit_of_work

REGULAR = 90_000


async def new_sale(sessionmaker: SessionMaker, **changes: Any) -> FlashSale:
    now = utcnow()
    data = FlashSaleCreate.model_validate({
        "name": "Flash 19h", "startsAt": now - timedelta(minutes=5), "endsAt": now + timedelta(hours=2),
        "showtimeIds": [str(uuid.uuid4())], "flashPrice": 49_000, "quota": 100, "perUserLimit": 2, **changes})
    async with unit_of_work(sessionmaker) as session:
        return await flash_sales.create(session, data=data, by=uuid.uuid4())


async def claim(sessionmaker: SessionMaker, sale: FlashSale, user: uuid.UUID, tickets: int, *,
                booking: uuid.UUID | None = None, minutes: int = 15, accept_regular: bool = False) -> list[int]:
    now = utcnow()
    async with unit_of_work(sessionmaker) as session:
        prices, _ = await flash_sales.claim(
            session, sale=flash_sales.terms(sale), booking_id=booking or uuid.uuid4(), user_id=user,
            seats=[("Standard", REGULAR)] * tickets, held_until=now + timedelta(minutes=minutes), now=now,
            accept_regular=accept_regular)
    return prices


async def live_claims(sessionmaker: SessionMaker, sale: FlashSale) -> list[FlashSaleClaim]:
    async with sessionmaker() as session:
        return list((await session.exec(select(FlashSaleClaim).where(
            FlashSaleClaim.flash_sale_id == sale.id, col(FlashSaleClaim.status) != FlashClaimStatus.RELEASED,
            col(FlashSaleClaim.held_until) > utcnow()))).all())


async def left(sessionmaker: SessionMaker, sale: FlashSale) -> int:
    async with sessionmaker() as session:
        [answer] = await flash_sales.public(session, [sale], now=utcnow())
    return answer.left


class TestUnderARush:
    async def test_1000_buyers_get_exactly_the_quota_and_nobody_passes_the_limit(
            self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker)
        rng = random.Random(7)
        users = [uuid.uuid4() for _ in range(400)]
        # 1,000 requests in parallel for 1 or 2 tickets: 30 eager users send 6 each first, then 400 users 2-3
        eager = [(users[i % 30], 2) for i in range(180)]
        others = [(users[i % len(users)], rng.choice([1, 2])) for i in range(820)]
        rng.shuffle(others)
        buyers = eager + others
        refusals: Counter[str] = Counter()

        async def buy(user: uuid.UUID, tickets: int) -> None:
            while tickets:
                try:
                    await claim(sessionmaker, sale, user, tickets)
                    return
                except FlashSaleSoldOut as e:  # fewer are left: ask for what is left, as an app would
                    refusals["sold out"] += 1
                    tickets = min(tickets, e.details["left"])
                except FlashSaleLimitReached as e:
                    refusals["limit"] += 1
                    tickets = min(tickets - 1, e.details["yoursLeft"])

        await asyncio.gather(*(buy(user, tickets) for user, tickets in buyers))

        claims = await live_claims(sessionmaker, sale)
        assert sum(c.tickets for c in claims) == 100
        per_user = Counter[uuid.UUID]()
        for c in claims:
            per_user[c.user_id] += c.tickets
        assert max(per_user.values()) <= 2
        assert refusals["sold out"] > 500 and refusals["limit"] > 0
        assert await left(sessionmaker, sale) == 0

    async def test_one_user_in_10_parallel_requests_gets_their_limit_only(self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker)
        user = uuid.uuid4()
        results = await asyncio.gather(*(claim(sessionmaker, sale, user, 1) for _ in range(10)),
                                       return_exceptions=True)
        assert sum(not isinstance(r, BaseException) for r in results) == 2
        assert all(isinstance(r, FlashSaleLimitReached) for r in results if isinstance(r, BaseException))


class TestTheQuotaComesBack:
    async def test_after_holds_expire(self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker, quota=3, perUserLimit=3)
        await claim(sessionmaker, sale, uuid.uuid4(), 3)
        with pytest.raises(FlashSaleSoldOut):
            await claim(sessionmaker, sale, uuid.uuid4(), 1)
        async with unit_of_work(sessionmaker) as session:  # the hold's timer ran out
            await session.exec(update(FlashSaleClaim).where(col(FlashSaleClaim.flash_sale_id) == sale.id)
                               .values(held_until=utcnow() - timedelta(seconds=1)))  # type: ignore[call-overload]
        assert await left(sessionmaker, sale) == 3
        assert await claim(sessionmaker, sale, uuid.uuid4(), 2) == [49_000, 49_000]

    async def test_after_a_release_and_a_release_twice_is_nothing_more(self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker, quota=2)
        booking = uuid.uuid4()
        await claim(sessionmaker, sale, uuid.uuid4(), 2, booking=booking)
        for _ in range(2):
            async with unit_of_work(sessionmaker) as session:
                await flash_sales.release(session, booking_id=booking, now=utcnow())
        assert await left(sessionmaker, sale) == 2


class TestTheSameHoldAgain:
    async def test_a_booking_held_again_keeps_one_claim(self, sessionmaker: SessionMaker) -> None:
        """lock-seats sent again with its Idempotency-Key after the API died before the saga started."""
        sale = await new_sale(sessionmaker, quota=2)
        user, booking = uuid.uuid4(), uuid.uuid4()
        for _ in range(2):
            assert await claim(sessionmaker, sale, user, 2, booking=booking) == [49_000, 49_000]
        assert [c.tickets for c in await live_claims(sessionmaker, sale)] == [2]
        assert await left(sessionmaker, sale) == 0


class TestRefusedOrAccepted:
    async def test_sold_out_changes_nothing_unless_the_regular_price_is_accepted(
            self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker, quota=1)
        await claim(sessionmaker, sale, uuid.uuid4(), 1)
        late = uuid.uuid4()
        with pytest.raises(FlashSaleSoldOut):
            await claim(sessionmaker, sale, late, 1)
        assert await claim(sessionmaker, sale, late, 2, accept_regular=True) == [REGULAR, REGULAR]
        assert [c.user_id for c in await live_claims(sessionmaker, sale)] != [late]
        assert len(await live_claims(sessionmaker, sale)) == 1


class TestSell:
    async def test_a_paid_hold_is_sold_once_and_stays_counted(self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker, quota=2)
        booking = uuid.uuid4()
        await claim(sessionmaker, sale, uuid.uuid4(), 2, booking=booking, minutes=0)  # its hold ends at once
        for _ in range(2):
            async with unit_of_work(sessionmaker) as session:
                await flash_sales.sell(session, booking_id=booking, now=utcnow())
        async with sessionmaker() as session:
            [answer] = await flash_sales.public(session, [sale], now=utcnow())
        assert (answer.sold, answer.left) == (2, 0)

    async def test_a_late_payment_finds_its_quota_gone(self, sessionmaker: SessionMaker) -> None:
        sale = await new_sale(sessionmaker, quota=1)
        late = uuid.uuid4()
        await claim(sessionmaker, sale, uuid.uuid4(), 1, booking=late, minutes=0)  # expired: the ticket is free
        await claim(sessionmaker, sale, uuid.uuid4(), 1)  # and someone else holds it
        with pytest.raises(FlashSaleSoldOut):
            async with unit_of_work(sessionmaker) as session:
                await flash_sales.sell(session, booking_id=late, now=utcnow())
