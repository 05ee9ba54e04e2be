"""The nightly loyalty review on real Temporal + PostgreSQL: LoyaltyReviewWorkflow for one local day moves tiers
both ways with the 12-month net spend and expires unspent points oldest first; the same day run again changes
nothing (tiers, ledger, balances and events identical)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select
from temporalio.client import Client, ScheduleActionStartWorkflow, ScheduleOverlapPolicy

from domain.contracts.events import Topic
from domain.contracts.queues import TaskQueue
from domain.promotions import membership
from domain.promotions.models import LoyaltyReview, LoyaltyTransaction, LoyaltyType, SpendKind
from domain.promotions.tier_schemas import LoyaltyReviewResult, LoyaltyReviewRun
from domain.promotions.tiers import add_months
from domain.shared.outbox import OUTBOX
from domain.shared.time import local_midnight
from domain.users import service as users_service
from domain.users.models import MembershipTier, UserProfile
from infra.db import SessionMaker, unit_of_work
from tests.eventually import eventually
from workflows.loyalty_schedule import SCHEDULE_ID, LoyaltyReviewWorkflow

pytestmark = pytest.mark.usefixtures("worker")

DAY = date(2027, 3, 15)  # the local day reviewed: far from today, so the real nightly run never reviews it


def at(day: date) -> datetime:
    return local_midnight(day) + timedelta(hours=20)


async def spend(sessionmaker: SessionMaker, user_id: uuid.UUID, amount: int, day: date) -> None:
    async with unit_of_work(sessionmaker) as session:
        await membership.record_spend(session, user_id=user_id, booking_id=uuid.uuid4(), kind=SpendKind.PAID,
                                      amount=amount, at=at(day))


async def points(sessionmaker: SessionMaker, user_id: uuid.UUID, amount: int, day: date,
                 kind: LoyaltyType = LoyaltyType.EARN) -> None:
    """A ledger entry on a past day, and the balance moved with it."""
    async with unit_of_work(sessionmaker) as session:
        session.add(LoyaltyTransaction(user_id=user_id, booking_id=uuid.uuid4(), points=amount, type=kind,
                                       created_at=at(day)))
        await users_service.add_loyalty_points(session, user_id=user_id, points=amount)


async def set_tier(sessionmaker: SessionMaker, user_id: uuid.UUID, tier: MembershipTier) -> None:
    async with unit_of_work(sessionmaker) as session:
        await session.exec(update(UserProfile).where(col(UserProfile.id) == user_id)  # type: ignore[call-overload]
                           .values(membership_tier=tier))


async def review(temporal: Client, *users: uuid.UUID, day: date = DAY) -> LoyaltyReviewResult:
    return await temporal.execute_workflow(
        LoyaltyReviewWorkflow.run, LoyaltyReviewRun(day=day, only_users=list(users), page_size=2),
        id=f"loyalty-review-test-{uuid.uuid4()}", task_queue=TaskQueue.PROMOTIONS)


async def snapshot(sessionmaker: SessionMaker, *users: uuid.UUID) -> dict[str, Any]:
    """Tiers, balances, the whole ledger, the reviews and the tier events of these users."""
    outbox = OUTBOX["promotions"]
    async with sessionmaker() as session:
        profiles = await users_service.profiles_by_id(session, user_ids=users)
        ledger = (await session.exec(select(LoyaltyTransaction).where(
            col(LoyaltyTransaction.user_id).in_(users)).order_by(col(LoyaltyTransaction.id)))).all()
        reviews = (await session.exec(select(LoyaltyReview).where(col(LoyaltyReview.user_id).in_(users)))).all()
        events = (await session.exec(select(outbox.c.event_id, outbox.c.envelope).where(  # type: ignore[call-overload]
            outbox.c.topic == Topic.LOYALTY_TIER_CHANGED.value,
            outbox.c.aggregate_id.in_([str(u) for u in users])).order_by(outbox.c.id))).all()
        sums = dict((await session.exec(select(LoyaltyTransaction.user_id, func.sum(LoyaltyTransaction.points))  # type: ignore[call-overload]
                                        .where(col(LoyaltyTransaction.user_id).in_(users))
                                        .group_by(col(LoyaltyTransaction.user_id)))).all())
    for user in users:
        assert profiles[user].loyalty_points == sums.get(user, 0), "the balance is the ledger's sum"
    return {
        "tiers": {u: profiles[u].membership_tier for u in users},
        "balances": {u: profiles[u].loyalty_points for u in users},
        "ledger": [(r.id, r.user_id, r.type, r.points, r.created_at) for r in ledger],
        "reviews": sorted((r.user_id, r.day, r.tier_from, r.tier_to, r.net_spend, r.expired_points) for r in reviews),
        "events": [(e.event_id, e.envelope["data"]) for e in events],
    }


async def test_the_same_day_reviewed_twice_gives_identical_tiers_and_ledger(
        temporal: Client, sessionmaker: SessionMaker, make_user: Any) -> None:
    rising, falling, expiring = [(await make_user()).id for _ in range(3)]
    await spend(sessionmaker, rising, 6_000_000, add_months(DAY, -3))  # Gold, never lifted (no event seen)
    await set_tier(sessionmaker, falling, MembershipTier.PLATINUM)
    await spend(sessionmaker, falling, 1_000_000, add_months(DAY, -1))
    await points(sessionmaker, expiring, 120, add_months(DAY, -13))

    first = await review(temporal, rising, falling, expiring)
    after_first = await snapshot(sessionmaker, rising, falling, expiring)
    second = await review(temporal, rising, falling, expiring)

    assert (first.reviewed, first.tier_changes, first.expired_points) == (3, 2, 120)
    assert (second.reviewed, second.tier_changes, second.expired_points) == (0, 0, 0)
    assert await snapshot(sessionmaker, rising, falling, expiring) == after_first
    assert after_first["tiers"] == {rising: MembershipTier.GOLD, falling: MembershipTier.BRONZE,
                                    expiring: MembershipTier.BRONZE}
    assert {(d["userId"], d["oldTier"], d["newTier"], d["netSpend"]) for _, d in after_first["events"]} == {
        (str(rising), "Bronze", "Gold", 6_000_000), (str(falling), "Platinum", "Bronze", 1_000_000)}


async def test_a_tier_falls_when_its_spend_leaves_the_twelve_months(
        temporal: Client, sessionmaker: SessionMaker, make_user: Any) -> None:
    member = (await make_user()).id
    await set_tier(sessionmaker, member, MembershipTier.GOLD)
    await spend(sessionmaker, member, 5_500_000, add_months(DAY, -12))  # the window's first day is the day after
    await spend(sessionmaker, member, 2_100_000, add_months(DAY, -2))

    result = await review(temporal, member)

    state = await snapshot(sessionmaker, member)
    assert result.tier_changes == 1
    assert state["tiers"] == {member: MembershipTier.SILVER}
    assert state["reviews"] == [(member, DAY, "Gold", "Silver", 2_100_000, 0)]
    # A day earlier the old spend still counted: Gold then (reviewing it now is a new day, so it runs).
    await review(temporal, member, day=DAY - timedelta(days=1))
    assert (await snapshot(sessionmaker, member))["tiers"] == {member: MembershipTier.GOLD}


async def test_unspent_points_expire_oldest_first(
        temporal: Client, sessionmaker: SessionMaker, make_user: Any) -> None:
    member = (await make_user()).id
    await points(sessionmaker, member, 100, add_months(DAY, -14))
    await points(sessionmaker, member, 50, add_months(DAY, -2))
    await points(sessionmaker, member, -30, add_months(DAY, -6), kind=LoyaltyType.REDEEM)  # from the oldest

    result = await review(temporal, member)
    again = await review(temporal, member, day=DAY + timedelta(days=1))

    state = await snapshot(sessionmaker, member)
    assert (result.expired_points, again.expired_points) == (70, 0)  # the 30 spent came off the oldest 100
    assert state["balances"] == {member: 50}
    assert [pts for _, _, kind, pts, _ in state["ledger"] if kind is LoyaltyType.EXPIRE] == [-70]


async def test_the_promotions_worker_schedules_the_review_nightly_at_two_local(temporal: Client) -> None:
    handle = temporal.get_schedule_handle(SCHEDULE_ID)
    description = await eventually(handle.describe, lambda d: d is not None)
    spec, policy = description.schedule.spec, description.schedule.policy
    assert spec.time_zone_name == "Asia/Ho_Chi_Minh"
    assert [(c.hour[0].start, c.minute[0].start) for c in spec.calendars] == [(2, 0)]
    assert policy.overlap is ScheduleOverlapPolicy.SKIP
    assert description.schedule.state.paused, "created paused by the tests' settings (loyalty.review_schedule)"
    action = description.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert (action.workflow, action.task_queue) == ("LoyaltyReviewWorkflow", TaskQueue.PROMOTIONS)
