"""Settings of the loyalty tiers, points expiry and their nightly review (the rules and their defaults:
domain/promotions/tiers.py): the `loyalty` section of Settings, e.g.
CINEMA_LOYALTY__THRESHOLDS='{"Silver": 3000000, "Gold": 6000000, "Platinum": 12000000}',
CINEMA_LOYALTY__MULTIPLIERS='{"Gold": 160}' (percent), CINEMA_LOYALTY__EXPIRY_MONTHS=18.
"""

from __future__ import annotations

from pydantic import BaseModel

from domain.promotions.tiers import DEFAULT_POLICY, TierPolicy
from domain.users.models import MembershipTier


class LoyaltySettings(BaseModel):
    # 12-month net spend (VND) from which Silver, Gold and Platinum start; the tiers not named keep their default.
    thresholds: dict[MembershipTier, int] = {}
    # Earn multipliers in percent (120 = ×1.2); the tiers not named keep their default.
    multipliers: dict[MembershipTier, int] = {}
    expiry_months: int = DEFAULT_POLICY.expiry_months
    expiring_soon_days: int = DEFAULT_POLICY.expiring_soon_days
    # The nightly review's Schedule runs (False: it is created paused, e.g. for tests that set tiers by hand).
    review_schedule: bool = True

    def policy(self) -> TierPolicy:
        return TierPolicy(thresholds={**DEFAULT_POLICY.thresholds, **self.thresholds},
                          multipliers={**DEFAULT_POLICY.multipliers, **self.multipliers},
                          expiry_months=self.expiry_months, expiring_soon_days=self.expiring_soon_days)
