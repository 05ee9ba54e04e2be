"""Loyalty activities of the nightly review (LoyaltyReviewWorkflow), on the promotions queue."""

from __future__ import annotations

from temporalio import activity

from domain.promotions import membership
from domain.promotions.tier_schemas import ReviewPageInput, ReviewPageResult
from domain.promotions.tiers import TierPolicy
from infra.db import SessionMaker, unit_of_work


class LoyaltyActivities:
    def __init__(self, sessionmaker: SessionMaker, policy: TierPolicy) -> None:
        self._sessionmaker, self._policy = sessionmaker, policy

    @activity.defn
    async def review_loyalty_page(self, input: ReviewPageInput) -> ReviewPageResult:
        """Review one page of members for a local day (tiers up or down, points expiry), in one transaction.
        Idempotent: members already reviewed for the day are skipped, so a retry or a re-run changes nothing."""
        async with unit_of_work(self._sessionmaker) as session:
            page = await membership.review_page(session, day=input.day, after=input.after, limit=input.limit,
                                                only=input.only_users, policy=self._policy)
        return ReviewPageResult(next_after=page.next_after, reviewed=page.reviewed, tier_changes=page.tier_changes,
                                expired_points=page.expired_points)
