"""Flash-sale math: cover, flash price, which sale prices a hold, and the grant check."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.promotions.flash_rules import FlashSaleLimitReached, FlashSaleSoldOut, FlashTerms, check_grant, pick

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
SHOWTIME, MOVIE = uuid.uuid4(), uuid.uuid4()


def sale(**changes: Any) -> FlashTerms:
    values: dict[str, Any] = dict(sale_id=uuid.uuid4(), name="Flash 19h", starts_at=NOW - timedelta(hours=1),
                                  ends_at=NOW + timedelta(hours=1), showtime_ids=frozenset({SHOWTIME}), movie_id=None,
                                  seat_types=frozenset(), flash_price=49_000, discount_percent=None, quota=100,
                                  per_user_limit=2)
    return FlashTerms(**{**values, **changes})


class TestCover:
    def test_its_showtimes_within_its_window(self) -> None:
        assert sale().covers(showtime_id=SHOWTIME, movie_id=None, at=NOW)
        assert not sale().covers(showtime_id=uuid.uuid4(), movie_id=None, at=NOW)

    def test_every_showtime_of_its_movie(self) -> None:
        by_movie = sale(showtime_ids=frozenset(), movie_id=MOVIE)
        assert by_movie.covers(showtime_id=uuid.uuid4(), movie_id=MOVIE, at=NOW)
        assert not by_movie.covers(showtime_id=uuid.uuid4(), movie_id=uuid.uuid4(), at=NOW)

    def test_the_window_starts_inclusive_and_ends_exclusive(self) -> None:
        window = sale(starts_at=NOW, ends_at=NOW + timedelta(minutes=30))
        assert window.covers(showtime_id=SHOWTIME, movie_id=None, at=NOW)
        assert not window.covers(showtime_id=SHOWTIME, movie_id=None, at=NOW - timedelta(seconds=1))
        assert not window.covers(showtime_id=SHOWTIME, movie_id=None, at=NOW + timedelta(minutes=30))


class TestPrice:
    def test_a_fixed_flash_price(self) -> None:
        assert sale().price("Standard", 90_000) == 49_000

    def test_a_percentage_off_the_price_of_the_moment_rounded_down_to_1000(self) -> None:
        assert sale(flash_price=None, discount_percent=30).price("VIP", 117_000) == 81_000  # 81,900 → 81,000

    def test_a_seat_it_does_not_make_cheaper_is_no_flash_ticket(self) -> None:
        assert sale(flash_price=60_000).price("Standard", 60_000) is None
        assert sale(flash_price=60_000).price("Standard", 55_000) is None

    def test_only_its_seat_types(self) -> None:
        vip_only = sale(seat_types=frozenset({"VIP"}))
        assert vip_only.price("Standard", 90_000) is None
        assert vip_only.price("VIP", 117_000) == 49_000

    def test_a_free_flash_seat_is_never_below_zero(self) -> None:
        assert sale(flash_price=0).price("Standard", 90_000) == 0
        assert sale(flash_price=None, discount_percent=99).price("Standard", 1_000) == 0


class TestPick:
    def test_the_sale_that_started_first_among_those_covering(self) -> None:
        early, late = sale(starts_at=NOW - timedelta(hours=2)), sale(flash_price=10_000)
        other = sale(showtime_ids=frozenset({uuid.uuid4()}), starts_at=NOW - timedelta(hours=3))
        assert pick([late, other, early], showtime_id=SHOWTIME, movie_id=None, at=NOW) is early

    def test_none_when_none_covers(self) -> None:
        assert pick([sale(ends_at=NOW)], showtime_id=SHOWTIME, movie_id=None, at=NOW) is None


class TestGrant:
    def test_within_the_quota_and_the_limit(self) -> None:
        check_grant(sale(), wanted=2, sold_or_held=98, users=0)

    def test_short_quota_says_how_many_are_left(self) -> None:
        with pytest.raises(FlashSaleSoldOut) as refused:
            check_grant(sale(), wanted=2, sold_or_held=99, users=0)
        assert refused.value.details["left"] == 1 and refused.value.code == "FLASH_SALE_SOLD_OUT"

    def test_sold_out(self) -> None:
        with pytest.raises(FlashSaleSoldOut, match="sold out"):
            check_grant(sale(), wanted=1, sold_or_held=100, users=0)

    def test_the_customers_limit_counts_every_booking(self) -> None:
        with pytest.raises(FlashSaleLimitReached) as refused:
            check_grant(sale(), wanted=2, sold_or_held=10, users=1)
        assert refused.value.details["yoursLeft"] == 1
        check_grant(sale(), wanted=1, sold_or_held=10, users=1)
