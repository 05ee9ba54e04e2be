"""Points math: what points pay of a booking (rate and cap) and the share a cancellation gives back."""

from __future__ import annotations

import pytest

from domain.promotions.loyalty import (
    PointsOverCap,
    points_for,
    refunded_points,
    restored_share,
    revoked_share,
    tender_value,
    voucher_value,
)


def test_a_point_pays_1000_vnd_up_to_half_of_what_is_due() -> None:
    assert tender_value(60, amount_due=200_000) == 60_000
    assert tender_value(100, amount_due=200_000) == 100_000  # exactly the cap


def test_more_than_the_cap_is_refused_naming_the_most_points() -> None:
    with pytest.raises(PointsOverCap) as refused:
        tender_value(101, amount_due=200_000)
    assert refused.value.details == {"maxPoints": 100}
    with pytest.raises(PointsOverCap) as odd:
        tender_value(50, amount_due=99_999)  # cap 49,999 VND: 49 whole points
    assert odd.value.details == {"maxPoints": 49}


@pytest.mark.parametrize("spent, percent, back", [(70, 100, 70), (70, 50, 35), (71, 50, 35), (70, 0, 0),
                                                  (70, 150, 70), (0, 100, 0)])
def test_a_cancellation_gives_back_the_refunded_share_rounded_down(spent: int, percent: int, back: int) -> None:
    assert restored_share(spent, percent) == back


@pytest.mark.parametrize("earned, percent, taken", [(15, 100, 15), (15, 50, 7), (15, 0, 0), (15, 120, 15),
                                                    (0, 50, 0), (1, 99, 0)])
def test_a_refund_takes_back_the_same_share_of_the_earned_points_rounded_down(earned: int, percent: int,
                                                                              taken: int) -> None:
    assert revoked_share(earned, percent) == taken


@pytest.mark.parametrize(("earned", "refunded", "paid", "taken"), [
    (18, 94_000, 188_000, 9),  # half the money back, half the points
    (18, 50_000, 188_000, 4),  # 4.79 → 4: the points kept are never fewer than the money kept earns
    (18, 188_000, 188_000, 18), (18, 250_000, 188_000, 18),  # never more than was earned
    (18, 0, 188_000, 0), (0, 94_000, 188_000, 0), (18, 94_000, 0, 0)])
def test_a_refund_of_any_amount_takes_back_the_share_of_the_payment_it_returns(earned: int, refunded: int,
                                                                               paid: int, taken: int) -> None:
    assert refunded_points(earned, refunded=refunded, paid=paid) == taken


def test_earning_and_redeeming_rates() -> None:
    assert points_for(189_999) == 18 and points_for(-5) == 0
    assert voucher_value(25) == 25_000
