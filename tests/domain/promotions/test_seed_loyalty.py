"""`cinema seed`'s demo members: one customer in every tier, made once and found again on a rerun."""

from __future__ import annotations

from cinema.seed import run_seed
from cinema.seed_loyalty import DEMO_DOMAIN, MEMBERS, seed_loyalty
from domain.auth import service as auth_service
from domain.promotions import membership
from domain.shared.time import utcnow
from domain.users import service as users_service
from infra.db import SessionMaker
from infra.settings import Settings


async def test_seed_a_member_in_every_tier_once(settings: Settings, sessionmaker: SessionMaker) -> None:
    first = await run_seed(settings.resolved_database_url, steps=[("loyalty", seed_loyalty)])
    again = await run_seed(settings.resolved_database_url, steps=[("loyalty", seed_loyalty)])
    assert len(first) == len(again) == len(MEMBERS)
    assert not any(s.created for s in again), "a second run changes nothing"
    async with sessionmaker() as session:
        for tier, local, password, _, spend in MEMBERS:
            account = await auth_service.authenticate(session, email=f"{local}@{DEMO_DOMAIN}", password=password)
            summary = await users_service.loyalty(session, user_id=account.id)
            assert summary.membership_tier is tier
            assert await membership.net_spend(session, user_id=account.id,
                                              day=membership.local_day(utcnow())) == spend
            assert summary.points > 0
