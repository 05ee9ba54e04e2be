"""Seat layouts from their compact description (pure)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain.cinemas.errors import InvalidLayout
from domain.cinemas.layout import LayoutSpec, PlannedSeat, columns, plan_layout
from domain.cinemas.models import SeatStatus, SeatType


def _spec(**fields: Any) -> LayoutSpec:
    return LayoutSpec.model_validate({"rows": 3, "seatsPerRow": 8, **fields})


def _seat(seats: list[PlannedSeat], label: str) -> PlannedSeat:
    return next(s for s in seats if s.label == label)


def _problems(spec: LayoutSpec) -> list[dict[str, str]]:
    with pytest.raises(InvalidLayout) as err:
        plan_layout(spec)
    assert err.value.status_code == 422
    return err.value.details  # type: ignore[no-any-return]


class TestPlainLayout:
    def test_every_row_and_seat_in_order(self) -> None:
        seats = plan_layout(_spec())
        assert [s.label for s in seats[:9]] == ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "B1"]
        assert len(seats) == 24 and {s.row for s in seats} == {"A", "B", "C"}
        assert all(s.type is SeatType.STANDARD and s.status is SeatStatus.AVAILABLE for s in seats)
        assert all(s.pair_number is None for s in seats)

    def test_without_aisles_columns_are_numbers(self) -> None:
        assert all(s.column == s.number for s in plan_layout(_spec()))


class TestAisles:
    def test_gaps_shift_the_columns_after_them(self) -> None:
        spec = LayoutSpec.model_validate({"rows": 10, "seatsPerRow": 14, "aisles": [4, 10]})
        row = [s for s in plan_layout(spec) if s.row == "A"]
        assert [s.column for s in row] == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16]
        assert [s.number for s in row] == list(range(1, 15))
        assert columns(spec) == 16

    def test_order_and_duplicates_do_not_matter(self) -> None:
        a = plan_layout(_spec(aisles=[6, 2, 2]))
        b = plan_layout(_spec(aisles=[2, 6]))
        assert a == b

    @pytest.mark.parametrize("aisle", [0, 8, 9, -1])
    def test_an_aisle_must_fall_between_two_seats(self, aisle: int) -> None:
        assert [p["field"] for p in _problems(_spec(aisles=[aisle]))] == ["aisles"]


class TestSeatTypes:
    def test_vip_rows(self) -> None:
        seats = plan_layout(_spec(vipRows=["b", "C"]))
        assert {s.row for s in seats if s.type is SeatType.VIP} == {"B", "C"}
        assert {s.row for s in seats if s.type is SeatType.STANDARD} == {"A"}

    def test_couple_row_is_made_of_pairs(self) -> None:
        seats = plan_layout(_spec(coupleRows=["C"], aisles=[4]))
        couple = [s for s in seats if s.row == "C"]
        assert all(s.type is SeatType.COUPLE for s in couple)
        assert [(s.number, s.pair_number) for s in couple] == [(1, 2), (2, 1), (3, 4), (4, 3), (5, 6), (6, 5),
                                                               (7, 8), (8, 7)]
        assert [s.column for s in couple] == [1, 2, 3, 4, 6, 7, 8, 9]

    def test_odd_seat_count_in_a_couple_row_is_refused(self) -> None:
        problems = _problems(LayoutSpec.model_validate({"rows": 3, "seatsPerRow": 9, "coupleRows": ["C"]}))
        assert [p["field"] for p in problems] == ["coupleRows"]

    def test_odd_seat_count_is_fine_without_couple_rows(self) -> None:
        assert len(plan_layout(LayoutSpec.model_validate({"rows": 2, "seatsPerRow": 9}))) == 18

    def test_an_aisle_inside_a_pair_is_refused(self) -> None:
        problems = _problems(_spec(coupleRows=["C"], aisles=[3]))
        assert problems == [{"field": "aisles",
                             "message": "An aisle after seat 3 would split the couple seat 3-4."}]

    def test_a_row_cannot_be_vip_and_couple(self) -> None:
        assert [p["field"] for p in _problems(_spec(vipRows=["C"], coupleRows=["C"]))] == ["coupleRows"]

    @pytest.mark.parametrize("field", ["vipRows", "coupleRows"])
    def test_rows_outside_the_layout_are_refused(self, field: str) -> None:
        assert [p["field"] for p in _problems(_spec(**{field: ["D"]}))] == [field]


class TestBrokenSeats:
    def test_broken_seat(self) -> None:
        seats = plan_layout(_spec(brokenSeats=["b7"]))
        assert [s.label for s in seats if s.status is SeatStatus.BROKEN] == ["B7"]

    def test_a_broken_half_takes_its_partner_out(self) -> None:
        seats = plan_layout(_spec(coupleRows=["C"], brokenSeats=["C3"]))
        assert [s.label for s in seats if s.status is SeatStatus.BROKEN] == ["C3", "C4"]
        assert _seat(seats, "C5").status is SeatStatus.AVAILABLE

    @pytest.mark.parametrize("label", ["D1", "A9"])
    def test_seats_outside_the_layout_are_refused(self, label: str) -> None:
        assert [p["field"] for p in _problems(_spec(brokenSeats=[label]))] == ["brokenSeats"]


class TestShapeOfTheDescription:
    @pytest.mark.parametrize("fields", [
        {"rows": 0, "seatsPerRow": 8}, {"rows": 27, "seatsPerRow": 8}, {"rows": 3, "seatsPerRow": 0},
        {"rows": 3, "seatsPerRow": 61}, {"rows": 3, "seatsPerRow": 8, "vipRows": ["AA"]},
        {"rows": 3, "seatsPerRow": 8, "brokenSeats": ["7C"]}, {"rows": 3, "seatsPerRow": 8, "extra": 1},
        {"rows": 3},
    ])
    def test_malformed_descriptions_are_refused(self, fields: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            LayoutSpec.model_validate(fields)

    def test_every_problem_is_reported_at_once(self) -> None:
        spec = LayoutSpec.model_validate({"rows": 2, "seatsPerRow": 7, "aisles": [7],
                                          "coupleRows": ["B", "Z"], "brokenSeats": ["A8"]})
        fields = sorted(p["field"] for p in _problems(spec))
        assert fields == ["aisles", "aisles", "brokenSeats", "coupleRows", "coupleRows"]
