"""Voucher math."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.promotions.rules import (
    VoucherMinPurchase,
    VoucherNotUsable,
    VoucherStatus,
    VoucherTerms,
    VoucherType,
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
