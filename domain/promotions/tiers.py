"""Membership tiers and points expiry: pure rules, safe in workflows and tests (no I/O, no clock).

A tier follows the rolling 12-month net spend (VND paid minus VND refunded) against the policy's thresholds;
each tier multiplies the points a booking earns. Earned points expire `expiry_months` after the local day
they were credited, oldest first: every debit (a redeem, a revoke, an earlier expiry) is taken from the
oldest credit still unspent, so what expires is what is left of the old credits.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.users.models import MembershipTier

TIER_ORDER = (MembershipTier.BRONZE, MembershipTier.SILVER, MembershipTier.GOLD, MembershipTier.PLATINUM)
SPEND_WINDOW_MONTHS = 12  # the rolling window of the net spend


def _default_thresholds() -> dict[MembershipTier, int]:
    return {MembershipTier.SILVER: 2_000_000, MembershipTier.GOLD: 5_000_000, MembershipTier.PLATINUM: 10_000_000}


def _default_multipliers() -> dict[MembershipTier, int]:
    return {MembershipTier.BRONZE: 100, MembershipTier.SILVER: 120, MembershipTier.GOLD: 150,
            MembershipTier.PLATINUM: 200}


@dataclass(frozen=True)
class TierPolicy:
    """Thresholds (VND of 12-month net spend from which a tier starts; Bronze starts at 0), earn multipliers
    in percent (120 = ×1.2), and how long earned points live."""

    thresholds: Mapping[MembershipTier, int] = field(default_factory=_default_thresholds)
    multipliers: Mapping[MembershipTier, int] = field(default_factory=_default_multipliers)
    expiry_months: int = 12
    expiring_soon_days: int = 30  # the loyalty page warns of points expiring this soon

    def __post_init__(self) -> None:
        starts = [self.threshold(tier) for tier in TIER_ORDER]
        if starts[0] != 0 or any(a >= b for a, b in zip(starts, starts[1:], strict=False)):
            raise ValueError(f"tier thresholds must rise from Bronze (0): {starts}")
        if any(self.multiplier(tier) < 100 for tier in TIER_ORDER) or self.expiry_months < 1:
            raise ValueError("multipliers are percent of at least 100; points live at least a month")

    def threshold(self, tier: MembershipTier) -> int:
        return 0 if tier is MembershipTier.BRONZE else self.thresholds[tier]

    def multiplier(self, tier: MembershipTier) -> int:
        return self.multipliers.get(tier, 100)


DEFAULT_POLICY = TierPolicy()


def rank(tier: MembershipTier) -> int:
    return TIER_ORDER.index(tier)


def tier_for(net_spend: int, policy: TierPolicy = DEFAULT_POLICY) -> MembershipTier:
    """The highest tier whose threshold the net spend reaches (a negative spend is Bronze)."""
    return max((t for t in TIER_ORDER if net_spend >= policy.threshold(t)), key=rank, default=MembershipTier.BRONZE)


def upgraded(current: MembershipTier, net_spend: int, policy: TierPolicy = DEFAULT_POLICY) -> MembershipTier:
    """After a booking the tier may only rise; the nightly review is the one place it falls."""
    earned = tier_for(net_spend, policy)
    return earned if rank(earned) > rank(current) else current


@dataclass(frozen=True)
class TierProgress:
    tier: MembershipTier
    next_tier: MembershipTier | None  # None at the top
    to_next: int  # VND of net spend still missing for the next tier (0 at the top)


def progress(net_spend: int, tier: MembershipTier, policy: TierPolicy = DEFAULT_POLICY) -> TierProgress:
    """Where a member stands: the tier they hold (which may be above what the spend earns until the nightly
    review) and what is missing for the one above it."""
    if tier is TIER_ORDER[-1]:
        return TierProgress(tier=tier, next_tier=None, to_next=0)
    above = TIER_ORDER[rank(tier) + 1]
    return TierProgress(tier=tier, next_tier=above, to_next=max(policy.threshold(above) - net_spend, 0))


def earned_points(base_points: int, tier: MembershipTier, policy: TierPolicy = DEFAULT_POLICY) -> int:
    """The points a booking earns in a tier: the base points times its multiplier, rounded down."""
    return max(base_points, 0) * policy.multiplier(tier) // 100


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def spend_window_start(day: date) -> date:
    """The first local day of the 12 months that end with `day` (inclusive)."""
    return add_months(day, -SPEND_WINDOW_MONTHS) + timedelta(days=1)


@dataclass(frozen=True)
class PointsLot:
    """Points credited on one local day (an Earn or a Restore) and what is left of them after the debits."""

    earned_on: date
    points: int


def unspent_lots(credits: Iterable[PointsLot], debited: int) -> list[PointsLot]:
    """What is left of each credit once `debited` points (every redeem, revoke and expiry so far, as a positive
    number) are taken oldest first. Lots left empty are dropped."""
    left, remaining = debited, []
    for lot in sorted(credits, key=lambda lot: lot.earned_on):
        taken = min(left, lot.points)
        left -= taken
        if lot.points > taken:
            remaining.append(PointsLot(lot.earned_on, lot.points - taken))
    return remaining


def expires_on(lot: PointsLot, policy: TierPolicy = DEFAULT_POLICY) -> date:
    """The local day whose review expires what is left of the lot."""
    return add_months(lot.earned_on, policy.expiry_months)


def points_to_expire(credits: Iterable[PointsLot], debited: int, *, day: date, balance: int,
                     policy: TierPolicy = DEFAULT_POLICY) -> int:
    """Points the review of `day` expires: what is left of the lots due by that day, never more than the
    balance. Once recorded as a debit, the same review finds nothing more (idempotent by construction)."""
    due = sum(lot.points for lot in unspent_lots(credits, debited) if expires_on(lot, policy) <= day)
    return max(min(due, balance), 0)


def expiring_soon(credits: Iterable[PointsLot], debited: int, *, today: date,
                  policy: TierPolicy = DEFAULT_POLICY) -> list[tuple[date, int]]:
    """(expiry day, points) of what is left of the lots expiring within `expiring_soon_days`, soonest first;
    one entry per day."""
    horizon = today + timedelta(days=policy.expiring_soon_days)
    by_day: dict[date, int] = {}
    for lot in unspent_lots(credits, debited):
        if (when := expires_on(lot, policy)) <= horizon:
            by_day[when] = by_day.get(when, 0) + lot.points
    return sorted(by_day.items())
