"""Pricing rules: pure functions, no servers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.shared.time import LOCAL_TZ
from domain.showtimes.models import SeatType
from domain.showtimes.pricing import (
    DEFAULT_HOLIDAYS,
    DayKind,
    PricingPolicy,
    Promotion,
    SeatTypePrice,
    best_promotion,
    day_kind,
    list_price,
    quote,
    round_vnd,
    time_band,
)

NO_PROMOTIONS = PricingPolicy(promotions=())
WEDNESDAY = date(2026, 12, 2)  # an ordinary working day
SATURDAY = date(2026, 12, 5)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "rounded"),
        [
            (0, 0),
            (499, 0),
            (500, 1000),
            (1499, 1000),
            (1500, 2000),
            (76_500, 77_000),
            (76_499, 76_000),
            (Decimal("89999.99"), 90_000),
            (Decimal("84500.00"), 85_000),
        ],
    )
    def test_half_up_to_1000_vnd(self, amount: Decimal | int, rounded: int) -> None:
        assert round_vnd(amount) == rounded


class TestSeatTypes:
    def test_factors_on_a_weekday_afternoon(self) -> None:
        start = at(WEDNESDAY, 14)
        prices = {
            kind: list_price(NO_PROMOTIONS, base_price=100_000, seat_type=kind, starts_at=start)
            for kind in SeatType
        }
        assert prices == {SeatType.STANDARD: 100_000, SeatType.VIP: 130_000, SeatType.COUPLE: 125_000}
        # A couple seat is half of a pair that costs 2.5 × base.
        assert 2 * prices[SeatType.COUPLE] == 250_000

    def test_showtime_multiplier_replaces_the_type_factor(self) -> None:
        price = list_price(
            NO_PROMOTIONS,
            base_price=100_000,
            seat_type=SeatType.VIP,
            starts_at=at(WEDNESDAY, 14),
            own=SeatTypePrice(multiplier=Decimal("1.6")),
        )
        assert price == 160_000

    def test_fixed_price_replaces_every_factor(self) -> None:
        price = list_price(
            NO_PROMOTIONS,
            base_price=100_000,
            seat_type=SeatType.VIP,
            starts_at=at(SATURDAY, 21),
            own=SeatTypePrice(price=149_400),
        )
        assert price == 149_000


class TestTimeBands:
    @pytest.mark.parametrize(
        ("hour", "minute", "band", "price"),
        [
            (9, 0, "Morning", 85_000),
            (11, 59, "Morning", 85_000),
            (12, 0, "Afternoon", 100_000),
            (16, 59, "Afternoon", 100_000),
            (17, 0, "Evening", 115_000),
            (23, 30, "Evening", 115_000),
        ],
    )
    def test_band_of_the_local_start(self, hour: int, minute: int, band: str, price: int) -> None:
        start = at(WEDNESDAY, hour, minute)
        assert time_band(NO_PROMOTIONS, start).name == band
        assert (
            list_price(NO_PROMOTIONS, base_price=100_000, seat_type=SeatType.STANDARD, starts_at=start)
            == price
        )

    def test_band_uses_vietnam_time_not_utc(self) -> None:
        # 10:30 UTC is 17:30 in Ho Chi Minh City: evening.
        assert time_band(NO_PROMOTIONS, datetime(2026, 12, 2, 10, 30, tzinfo=UTC)).name == "Evening"

    def test_bands_must_start_at_midnight_in_order(self) -> None:
        with pytest.raises(ValidationError):
            PricingPolicy(bands=({"name": "Late", "starts_at": time(6), "factor": Decimal(1)},))


class TestDays:
    def test_weekend(self) -> None:
        assert day_kind(NO_PROMOTIONS, at(SATURDAY, 14)) is DayKind.WEEKEND
        assert (
            list_price(
                NO_PROMOTIONS, base_price=100_000, seat_type=SeatType.STANDARD, starts_at=at(SATURDAY, 14)
            )
            == 115_000
        )

    def test_weekend_evening_vip_multiplies_every_factor_and_rounds_once(self) -> None:
        # 95,000 × 1.30 × 1.15 × 1.15 = 163,328.75 → 163,000
        assert (
            list_price(NO_PROMOTIONS, base_price=95_000, seat_type=SeatType.VIP, starts_at=at(SATURDAY, 19))
            == 163_000
        )

    @pytest.mark.parametrize(
        "holiday",
        [
            date(2026, 2, 17),
            date(2026, 4, 26),
            date(2026, 4, 30),
            date(2026, 5, 1),
            date(2026, 9, 2),
            date(2027, 1, 1),
            date(2027, 2, 6),
            date(2027, 4, 16),
        ],
    )
    def test_vietnamese_public_holidays(self, holiday: date) -> None:
        assert holiday in DEFAULT_HOLIDAYS
        assert day_kind(NO_PROMOTIONS, at(holiday, 14)) is DayKind.HOLIDAY

    def test_a_holiday_on_a_weekend_counts_once(self) -> None:
        saturday_holiday = date(2027, 5, 1)
        assert saturday_holiday.weekday() == 5
        assert (
            list_price(
                NO_PROMOTIONS,
                base_price=100_000,
                seat_type=SeatType.STANDARD,
                starts_at=at(saturday_holiday, 14),
            )
            == 130_000
        )

    def test_the_day_is_the_local_day(self) -> None:
        # 17:30 UTC on 29 April is 00:30 on 30 April in Vietnam: a holiday.
        assert day_kind(NO_PROMOTIONS, datetime(2026, 4, 29, 17, 30, tzinfo=UTC)) is DayKind.HOLIDAY

    def test_holiday_list_from_settings(self) -> None:
        policy = PricingPolicy.from_settings({"holiday_factor": "1.5", "promotions": []}, [WEDNESDAY])
        assert policy.holidays == frozenset({WEDNESDAY})
        assert (
            list_price(policy, base_price=100_000, seat_type=SeatType.STANDARD, starts_at=at(WEDNESDAY, 14))
            == 150_000
        )
        assert day_kind(policy, at(date(2026, 4, 30), 14)) is DayKind.WEEKDAY

    def test_bad_overrides_are_refused(self) -> None:
        with pytest.raises(ValidationError):
            PricingPolicy.from_settings({"vip_factor": "-1"}, None)


class TestPromotions:
    def test_early_bird_needs_the_days_ahead(self) -> None:
        policy = PricingPolicy(
            promotions=(Promotion(code="EB", name="Early", percent_off=10, min_days_ahead=3),)
        )
        start = at(WEDNESDAY, 14)
        early = quote(
            policy,
            base_price=100_000,
            seat_type=SeatType.STANDARD,
            starts_at=start,
            now=start - timedelta(days=3),
        )
        late = quote(
            policy,
            base_price=100_000,
            seat_type=SeatType.STANDARD,
            starts_at=start,
            now=start - timedelta(days=2, hours=23),
        )
        assert (early.list_price, early.price, early.promotion and early.promotion.code) == (
            100_000,
            90_000,
            "EB",
        )
        assert (late.price, late.promotion) == (100_000, None)

    def test_time_window_and_validity(self) -> None:
        happy = Promotion(
            code="HT",
            name="Happy Tuesday",
            percent_off=20,
            weekdays=frozenset({1}),
            starts_from=time(12),
            starts_before=time(17),
            valid_from=date(2026, 12, 1),
            valid_until=date(2026, 12, 31),
        )
        policy = PricingPolicy(promotions=(happy,))
        tuesday = date(2026, 12, 8)
        now = at(date(2026, 12, 7), 9)
        assert best_promotion(policy, starts_at=at(tuesday, 12), now=now) == happy
        assert (
            best_promotion(policy, starts_at=at(tuesday, 17), now=now) is None
        )  # the window is [12:00, 17:00)
        assert best_promotion(policy, starts_at=at(tuesday, 11, 59), now=now) is None
        assert best_promotion(policy, starts_at=at(WEDNESDAY, 14), now=now) is None
        assert best_promotion(policy, starts_at=at(date(2027, 1, 5), 14), now=at(date(2027, 1, 1), 9)) is None

    def test_the_biggest_promotion_wins_they_never_stack(self) -> None:
        policy = PricingPolicy()  # the defaults: early bird 10%, Tuesdays 20%, before 10:00 15%
        tuesday = date(2026, 12, 8)
        found = quote(
            policy,
            base_price=100_000,
            seat_type=SeatType.STANDARD,
            starts_at=at(tuesday, 9, 30),
            now=at(tuesday, 9, 30) - timedelta(days=7),
        )
        assert found.promotion is not None and found.promotion.code == "HAPPY-TUESDAY"
        assert (found.list_price, found.price) == (85_000, 68_000)  # morning 85,000 then -20%

    def test_promotion_price_is_rounded_to_1000(self) -> None:
        policy = PricingPolicy(promotions=(Promotion(code="P", name="P", percent_off=15),))
        found = quote(
            policy,
            base_price=95_000,
            seat_type=SeatType.VIP,
            starts_at=at(WEDNESDAY, 14),
            now=at(WEDNESDAY, 10),
        )
        # 95,000 × 1.3 = 123,500 → 124,000; −15% = 105,400 → 105,000
        assert (found.list_price, found.price) == (124_000, 105_000)

    def test_percent_must_be_sensible(self) -> None:
        with pytest.raises(ValidationError):
            Promotion(code="X", name="X", percent_off=0)
