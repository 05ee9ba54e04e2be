"""LoyaltyReviewWorkflow: the nightly loyalty review, started by a Temporal Schedule at 02:00 local time
(workers/loyalty_schedule.py). It pages through the members for one local day: each tier follows the rolling
12-month net spend (the one place a tier falls) and points past their life expire. A member reviewed for the day
is skipped, so a second run of the same day (a retry, an operator's re-run) changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.loyalty import LoyaltyActivities
    from domain.promotions.tier_schemas import LoyaltyReviewResult, LoyaltyReviewRun, ReviewPageInput
    from domain.shared.time import LOCAL_TZ

SCHEDULE_ID = "loyalty-review"
PAGE = {
    "start_to_close_timeout": timedelta(minutes=2),
    # A review must land eventually: keep retrying while the database is away.
    "retry_policy": RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)),
}
PAGES_PER_RUN = 200  # then continue-as-new, so a large membership never makes one huge history


@workflow.defn
class LoyaltyReviewWorkflow:
    @workflow.run
    async def run(self, run: LoyaltyReviewRun) -> LoyaltyReviewResult:
        # workflow.now() is the run's start as recorded in its history: a replay sees the same day.
        day = run.day or workflow.now().astimezone(LOCAL_TZ).date()
        after, totals = run.after, run.model_copy()
        for _ in range(PAGES_PER_RUN):
            page = await workflow.execute_activity_method(
                LoyaltyActivities.review_loyalty_page,
                ReviewPageInput(day=day, after=after, limit=run.page_size, only_users=run.only_users), **PAGE)
            totals.reviewed += page.reviewed
            totals.tier_changes += page.tier_changes
            totals.expired_points += page.expired_points
            if page.next_after is None:
                return LoyaltyReviewResult(day=day, reviewed=totals.reviewed, tier_changes=totals.tier_changes,
                                           expired_points=totals.expired_points)
            after = page.next_after
        workflow.continue_as_new(totals.model_copy(update={"day": day, "after": after}))
