"""Voucher math."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta

import pytest

from domain.promotions.rules import (
    PricedSeat,
    Purchase,
    VoucherLimits,
    VoucherMinPurchase,
    VoucherNotUsable,
    VoucherScope,
    VoucherStatus,
    VoucherTerms,
    VoucherType,
    applies_to,
    check_scope,
    check_usable,
    discount,
)

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)


def terms(**kw: object) -> VoucherTerms:
    base: dict[str, object] = dict(code="TET2027", type=VoucherType.PERCENTAGE, value=20, min_purchase=100_000,
                                   max_discount=50_000, starts_at=NOW - timedelta(days=1),
                                   ends_at=NOW + timedelta(days=1), status=VoucherStatus.ACTIVE)
    return VoucherTerms(**{**base, **kw})  # type: ignore[arg-type]


class TestDiscount:
    def test_percentage_rounds_down(self) -> None:
        assert discount(terms(), amount=123_455) == 24_691

    def test_percentage_is_capped(self) -> None:
        assert discount(terms(), amount=400_000) == 50_000

    def test_fixed_amount_never_exceeds_the_amount(self) -> None:
        fixed = terms(type=VoucherType.FIXED_AMOUNT, value=30_000, max_discount=None, min_purchase=0)
        assert discount(fixed, amount=100_000) == 30_000
        assert discount(fixed, amount=20_000) == 20_000


class TestUsable:
    def test_active_in_dates_above_minimum(self) -> None:
        check_usable(terms(), amount=100_000, now=NOW)

    @pytest.mark.parametrize(("kw", "now", "reason"), [
        ({"status": VoucherStatus.INACTIVE}, NOW, "INACTIVE"),
        ({}, NOW - timedelta(days=2), "NOT_STARTED"),
        ({}, NOW + timedelta(days=1), "EXPIRED"),
    ])
    def test_refusals_say_why(self, kw: dict[str, object], now: datetime, reason: str) -> None:
        with pytest.raises(VoucherNotUsable) as err:
            check_usable(terms(**kw), amount=200_000, now=now)
        assert err.value.details["reason"] == reason

    def test_below_minimum_purchase(self) -> None:
        with pytest.raises(VoucherMinPurchase):
            check_usable(terms(), amount=99_999, now=NOW)


SEATS = (PricedSeat("Standard", 90_000), PricedSeat("VIP", 120_000))
FRIDAY_8PM = datetime(2026, 12, 4, 20, 0)  # local time; 2026-12-04 is a Friday


def scoped(**limits: object) -> VoucherTerms:
    return terms(limits=VoucherLimits(**limits))  # type: ignore[arg-type]


class TestWhatTheVoucherAppliesTo:
    @pytest.mark.parametrize("scope, expected", [
        (VoucherScope.ALL, 90_000 + 120_000 + 65_000), (VoucherScope.BOTH, 275_000),
        (VoucherScope.MOVIE, 210_000), (VoucherScope.FNB, 65_000)])
    def test_applicable_for_picks_the_part_of_the_purchase(self, scope: VoucherScope, expected: int) -> None:
        assert applies_to(terms(applicable_for=scope), Purchase(seats=SEATS, fnb_amount=65_000)) == expected

    def test_a_seat_type_scope_counts_only_those_seats(self) -> None:
        vip_only = terms(applicable_for=VoucherScope.MOVIE, limits=VoucherLimits(seat_types=frozenset({"VIP"})))
        assert applies_to(vip_only, Purchase(seats=SEATS, fnb_amount=65_000)) == 120_000

    def test_the_discount_is_never_more_than_the_part_it_applies_to(self) -> None:
        fixed = terms(type=VoucherType.FIXED_AMOUNT, value=100_000, max_discount=None, min_purchase=0,
                      applicable_for=VoucherScope.FNB)
        purchase = Purchase(seats=SEATS, fnb_amount=65_000)
        assert discount(fixed, amount=applies_to(fixed, purchase)) == 65_000


class TestScope:
    purchase = Purchase(seats=SEATS, fnb_amount=0, movie_id=uuid.UUID(int=1), cinema_id=uuid.UUID(int=2),
                        starts_local=FRIDAY_8PM, first_booking=False)

    @pytest.mark.parametrize("limits, reason", [
        ({"movie_ids": frozenset({uuid.UUID(int=9)})}, "NOT_THIS_MOVIE"),
        ({"cinema_ids": frozenset({uuid.UUID(int=9)})}, "NOT_THIS_CINEMA"),
        ({"seat_types": frozenset({"Couple"})}, "NOT_THESE_SEATS"),
        ({"days_of_week": frozenset({2})}, "NOT_THIS_DAY"),  # Happy Tuesday on a Friday
        ({"time_to": time(10, 0)}, "NOT_THIS_TIME"),  # early shows before 10:00
        ({"time_from": time(22, 0), "time_to": time(2, 0)}, "NOT_THIS_TIME"),  # late shows, across midnight
        ({"first_booking_only": True}, "FIRST_BOOKING_ONLY"),
    ])
    def test_outside_the_scope_is_refused_with_the_reason(self, limits: dict[str, object], reason: str) -> None:
        with pytest.raises(VoucherNotUsable) as refused:
            check_scope(scoped(**limits), self.purchase)
        assert refused.value.details == {"reason": reason}

    @pytest.mark.parametrize("limits", [
        {}, {"movie_ids": frozenset({uuid.UUID(int=1)})},
        {"cinema_ids": frozenset({uuid.UUID(int=2), uuid.UUID(int=3)})},
        {"seat_types": frozenset({"VIP"})}, {"days_of_week": frozenset({5, 6, 7})},
        {"time_from": time(17, 0)}, {"time_from": time(19, 0), "time_to": time(1, 0)},
        {"time_from": time(20, 0), "time_to": time(20, 1)},  # from is inclusive
    ])
    def test_inside_the_scope_passes(self, limits: dict[str, object]) -> None:
        check_scope(scoped(**limits), self.purchase)

    def test_the_end_of_a_band_is_exclusive(self) -> None:
        with pytest.raises(VoucherNotUsable):
            check_scope(scoped(time_from=time(18, 0), time_to=time(20, 0)), self.purchase)

    def test_an_fnb_voucher_needs_fnb(self) -> None:
        with pytest.raises(VoucherNotUsable) as refused:
            check_scope(terms(applicable_for=VoucherScope.FNB), self.purchase)
        assert refused.value.details == {"reason": "NO_FNB"}
