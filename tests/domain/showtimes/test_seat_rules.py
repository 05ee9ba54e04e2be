"""The seat-selection rules a customer meets when holding seats."""

from __future__ import annotations

import pytest

from domain.showtimes.seat_rules import (
    CoupleSeatsInPairs,
    OrphanSeat,
    RowSeat,
    TooManySeats,
    check_couples,
    check_no_orphans,
    check_size,
)


def row(*segments: str) -> list[list[RowSeat]]:
    """'..x.' = seats 1-4 of segment one, x unavailable; segments are split by aisles."""
    out, number = [], 0
    for segment in segments:
        seats = []
        for mark in segment:
            number += 1
            seats.append(RowSeat(seat_id=number, label=f"A{number}", free=mark == "."))
        out.append(seats)
    return out


class TestSize:
    def test_limits(self) -> None:
        check_size([1, 2, 3], max_seats=8)
        with pytest.raises(TooManySeats):
            check_size([], max_seats=8)
        with pytest.raises(TooManySeats):
            check_size([1, 1], max_seats=8)
        with pytest.raises(TooManySeats) as err:
            check_size(list(range(9)), max_seats=8)
        assert err.value.details == {"maxSeats": 8}


class TestCouples:
    def test_a_pair_together_is_fine(self) -> None:
        check_couples(["J1", "J2", "A5"], {"J1": "J2", "J2": "J1"})

    def test_half_a_pair_is_refused(self) -> None:
        with pytest.raises(CoupleSeatsInPairs) as err:
            check_couples(["J1", "A5"], {"J1": "J2", "J2": "J1"})
        assert err.value.details == {"seatIds": ["J1"]}


class TestNoOrphans:
    def test_taking_seats_from_the_end_is_fine(self) -> None:
        check_no_orphans(row("........"), [1, 2])

    def test_leaving_one_seat_at_the_row_end_is_refused_with_a_suggestion(self) -> None:
        with pytest.raises(OrphanSeat) as err:
            check_no_orphans(row("........"), [2, 3])
        assert err.value.details["orphanSeats"] == ["A1"]
        assert err.value.details["suggestion"] == ["A1", "A2"]

    def test_leaving_one_seat_between_taken_seats_is_refused(self) -> None:
        with pytest.raises(OrphanSeat):
            check_no_orphans(row("x.......x"), [3, 4])

    def test_a_broken_seat_counts_as_unavailable(self) -> None:
        with pytest.raises(OrphanSeat) as err:
            check_no_orphans(row("..x....."), [5, 6])  # A4 alone between broken A3 and A5
        assert err.value.details["orphanSeats"] == ["A4"]
        check_no_orphans(row("..x....."), [4, 5])

    def test_an_aisle_ends_a_segment(self) -> None:
        with pytest.raises(OrphanSeat) as err:
            check_no_orphans(row("....", "...."), [2, 3])
        assert err.value.details["orphanSeats"] == ["A1", "A4"]
        check_no_orphans(row("....", "...."), [3, 4])

    def test_allowed_when_no_selection_of_that_size_avoids_it(self) -> None:
        # Three free seats between taken ones: any pair strands one seat, so the pair is allowed.
        check_no_orphans(row("x...x"), [2, 3])

    def test_an_existing_lone_seat_away_from_the_choice_does_not_block(self) -> None:
        check_no_orphans(row(".x......"), [7, 8])

    def test_filling_a_gap_exactly_is_fine(self) -> None:
        check_no_orphans(row("xx..xx"), [3, 4])

    def test_seats_of_other_rows_are_ignored(self) -> None:
        check_no_orphans(row("...."), ["B1", "B2"])
