"""The hold caps: how many live holds one customer may keep (domain/showtimes/hold_limits.py)."""

from __future__ import annotations

import uuid

import pytest

from domain.showtimes.hold_limits import HoldLimitReached, HoldLimits, LiveHold, check_hold_limits

SHOWTIME, OTHER = uuid.uuid4(), uuid.uuid4()


def holds(*showtimes: uuid.UUID) -> list[LiveHold]:
    return [LiveHold(booking_id=uuid.uuid4(), showtime_id=showtime) for showtime in showtimes]


def test_a_first_hold_passes() -> None:
    check_hold_limits([], booking_id=uuid.uuid4(), showtime_id=SHOWTIME, limits=HoldLimits())


def test_a_second_hold_on_the_same_showtime_is_refused_naming_the_first() -> None:
    live = holds(SHOWTIME)
    with pytest.raises(HoldLimitReached) as refused:
        check_hold_limits(live, booking_id=uuid.uuid4(), showtime_id=SHOWTIME, limits=HoldLimits())
    assert refused.value.details == {"limit": 1, "bookingIds": [str(live[0].booking_id)]}


def test_holds_on_other_showtimes_count_toward_the_overall_cap() -> None:
    check_hold_limits(holds(OTHER, uuid.uuid4()), booking_id=uuid.uuid4(), showtime_id=SHOWTIME,
                      limits=HoldLimits(per_showtime=1, overall=3))
    with pytest.raises(HoldLimitReached) as refused:
        check_hold_limits(holds(OTHER, uuid.uuid4(), uuid.uuid4()), booking_id=uuid.uuid4(), showtime_id=SHOWTIME,
                          limits=HoldLimits(per_showtime=1, overall=3))
    assert refused.value.details["limit"] == 3


def test_the_same_booking_asked_again_is_not_a_new_hold() -> None:
    live = holds(SHOWTIME, OTHER, uuid.uuid4())
    check_hold_limits(live, booking_id=live[0].booking_id, showtime_id=SHOWTIME, limits=HoldLimits())


def test_staff_are_not_capped() -> None:
    check_hold_limits(holds(*[SHOWTIME] * 10), booking_id=uuid.uuid4(), showtime_id=SHOWTIME,
                      limits=HoldLimits.for_staff())
