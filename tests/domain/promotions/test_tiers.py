"""Unit tests of the tier and expiry rules (domain/promotions/tiers.py): no servers."""

from __future__ import annotations

from datetime import date

import pytest

from domain.promotions.tiers import (
    DEFAULT_POLICY,
    PointsLot,
    TierPolicy,
    add_months,
    earned_points,
    expiring_soon,
    points_to_expire,
    progress,
    spend_window_start,
    tier_for,
    unspent_lots,
    upgraded,
)
from domain.users.models import MembershipTier as T


class TestTierFor:
    @pytest.mark.parametrize(("spend", "tier"), [
        (-50_000, T.BRONZE), (0, T.BRONZE), (1_999_999, T.BRONZE), (2_000_000, T.SILVER), (4_999_999, T.SILVER),
        (5_000_000, T.GOLD), (9_999_999, T.GOLD), (10_000_000, T.PLATINUM), (80_000_000, T.PLATINUM)])
    def test_the_highest_threshold_reached(self, spend: int, tier: T) -> None:
        assert tier_for(spend) is tier

    def test_thresholds_are_settings(self) -> None:
        policy = TierPolicy(thresholds={T.SILVER: 1_000_000, T.GOLD: 3_000_000, T.PLATINUM: 6_000_000})
        assert tier_for(3_000_000, policy) is T.GOLD
        assert tier_for(3_000_000) is T.SILVER

    @pytest.mark.parametrize("thresholds", [
        {T.SILVER: 5_000_000, T.GOLD: 5_000_000, T.PLATINUM: 10_000_000},
        {T.SILVER: 0, T.GOLD: 5_000_000, T.PLATINUM: 10_000_000},
        {T.SILVER: 6_000_000, T.GOLD: 5_000_000, T.PLATINUM: 10_000_000}])
    def test_thresholds_must_rise(self, thresholds: dict[T, int]) -> None:
        with pytest.raises(ValueError, match="rise"):
            TierPolicy(thresholds=thresholds)


class TestUpgradeAfterBooking:
    def test_rises_with_the_spend(self) -> None:
        assert upgraded(T.BRONZE, 2_500_000) is T.SILVER
        assert upgraded(T.SILVER, 12_000_000) is T.PLATINUM

    def test_never_falls_outside_the_nightly_review(self) -> None:
        assert upgraded(T.GOLD, 100_000) is T.GOLD
        assert upgraded(T.PLATINUM, 6_000_000) is T.PLATINUM


class TestProgress:
    def test_what_is_missing_for_the_next_tier(self) -> None:
        p = progress(1_200_000, T.BRONZE)
        assert (p.tier, p.next_tier, p.to_next) == (T.BRONZE, T.SILVER, 800_000)

    def test_a_tier_held_above_the_spend_counts_from_the_tier_held(self) -> None:
        p = progress(1_000_000, T.GOLD)  # earned last year, reviewed tonight
        assert (p.next_tier, p.to_next) == (T.PLATINUM, 9_000_000)

    def test_nothing_above_platinum(self) -> None:
        p = progress(25_000_000, T.PLATINUM)
        assert (p.next_tier, p.to_next) == (None, 0)

    def test_already_past_the_next_threshold_is_zero(self) -> None:
        assert progress(6_000_000, T.SILVER).to_next == 0


class TestEarnMultiplier:
    @pytest.mark.parametrize(("tier", "points"), [(T.BRONZE, 25), (T.SILVER, 30), (T.GOLD, 37), (T.PLATINUM, 50)])
    def test_base_points_times_the_tier_rounded_down(self, tier: T, points: int) -> None:
        assert earned_points(25, tier) == points

    def test_multipliers_are_settings(self) -> None:
        assert earned_points(10, T.GOLD, TierPolicy(multipliers={T.GOLD: 300})) == 30

    def test_a_multiplier_below_one_is_refused(self) -> None:
        with pytest.raises(ValueError, match="percent"):
            TierPolicy(multipliers={T.SILVER: 90})

    def test_nothing_earns_nothing(self) -> None:
        assert earned_points(0, T.PLATINUM) == 0
        assert earned_points(-3, T.PLATINUM) == 0


class TestCalendar:
    @pytest.mark.parametrize(("day", "months", "expected"), [
        (date(2026, 3, 15), 12, date(2027, 3, 15)), (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)), (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)), (date(2027, 1, 10), -12, date(2026, 1, 10))])
    def test_add_months_clamps_to_the_month_end(self, day: date, months: int, expected: date) -> None:
        assert add_months(day, months) == expected

    def test_the_spend_window_is_twelve_months_ending_with_the_day(self) -> None:
        assert spend_window_start(date(2026, 12, 3)) == date(2025, 12, 4)


def lots(*pairs: tuple[date, int]) -> list[PointsLot]:
    return [PointsLot(day, points) for day, points in pairs]


class TestExpiryOldestFirst:
    def test_debits_take_the_oldest_credits_first(self) -> None:
        credits = lots((date(2026, 3, 1), 50), (date(2025, 1, 1), 100), (date(2025, 6, 1), 40))
        assert unspent_lots(credits, 120) == lots((date(2025, 6, 1), 20), (date(2026, 3, 1), 50))

    def test_unspent_points_expire_after_the_configured_months(self) -> None:
        credits = lots((date(2025, 1, 10), 100), (date(2025, 6, 1), 40))
        assert points_to_expire(credits, 30, day=date(2026, 1, 9), balance=110) == 0  # one day early
        assert points_to_expire(credits, 30, day=date(2026, 1, 10), balance=110) == 70
        assert points_to_expire(credits, 30, day=date(2026, 6, 1), balance=110) == 110
        assert points_to_expire(credits, 30, day=date(2025, 7, 10), balance=110,
                                policy=TierPolicy(expiry_months=6)) == 70

    def test_points_spent_since_do_not_expire(self) -> None:
        credits = lots((date(2025, 1, 10), 100))
        assert points_to_expire(credits, 100, day=date(2026, 2, 1), balance=0) == 0

    def test_a_second_review_of_the_day_expires_nothing_more(self) -> None:
        credits = lots((date(2025, 1, 10), 100), (date(2026, 1, 1), 30))
        day = date(2026, 1, 20)
        first = points_to_expire(credits, 10, day=day, balance=120)
        assert first == 90
        assert points_to_expire(credits, 10 + first, day=day, balance=120 - first) == 0

    def test_never_more_than_the_balance(self) -> None:
        assert points_to_expire(lots((date(2025, 1, 1), 100)), 0, day=date(2026, 6, 1), balance=40) == 40


class TestExpiringSoon:
    def test_lots_expiring_within_the_warning_window_soonest_first(self) -> None:
        credits = lots((date(2025, 12, 20), 10), (date(2025, 12, 5), 30), (date(2025, 12, 5), 5),
                       (date(2026, 3, 1), 99))
        today = date(2026, 12, 3)
        assert expiring_soon(credits, 20, today=today) == [(date(2026, 12, 5), 15), (date(2026, 12, 20), 10)]
        assert DEFAULT_POLICY.expiring_soon_days == 30

    def test_nothing_left_nothing_expiring(self) -> None:
        assert expiring_soon(lots((date(2025, 12, 5), 30)), 30, today=date(2026, 12, 3)) == []
