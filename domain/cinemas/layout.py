"""Seat layouts: a theater's seats from a compact description (pure, no I/O).

    {"rows": 10, "seatsPerRow": 14, "aisles": [4, 10], "vipRows": ["E", "F", "G"],
     "coupleRows": ["J"], "brokenSeats": ["C7"]}

Rows are lettered from A at the screen. Seats are numbered 1..seatsPerRow from the left in every row;
`aisles` are gaps after those seat numbers, so a seat's `column` (its place across the room, for
drawing) is its number plus the gaps before it. A couple row is made of pairs (1-2, 3-4, ...): it needs
an even seat count and no aisle inside a pair. Couple seats are sold as a pair, so a broken half takes
its partner out too.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, field_validator

from domain.cinemas.errors import InvalidLayout
from domain.cinemas.models import SeatStatus, SeatType
from domain.shared.schemas import ApiModel

ROW_LABELS = string.ascii_uppercase
MAX_SEATS_PER_ROW = 60

# Patterns are checked before the letters are upper-cased.
RowLabel = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]$")]
SeatLabel = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True,
                                             pattern=r"^[A-Za-z][1-9][0-9]?$")]


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class LayoutSpec(ApiModel):
    """A theater's seat layout in a few numbers; the seats are made from it."""

    model_config = ConfigDict(extra="forbid")

    rows: int = Field(ge=1, le=len(ROW_LABELS), description="Rows A.. from the screen")
    seats_per_row: int = Field(ge=1, le=MAX_SEATS_PER_ROW)
    aisles: list[int] = Field(default_factory=list, max_length=10,
                              description="Gaps after these seat numbers, e.g. [4, 10]")
    vip_rows: list[RowLabel] = Field(default_factory=list, max_length=len(ROW_LABELS))
    couple_rows: list[RowLabel] = Field(default_factory=list, max_length=len(ROW_LABELS))
    broken_seats: list[SeatLabel] = Field(default_factory=list, max_length=200, examples=[["C7"]])

    _dedupe = field_validator("aisles", "vip_rows", "couple_rows", "broken_seats")(_unique)


@dataclass(frozen=True)
class PlannedSeat:
    row: str
    number: int
    column: int
    type: SeatType
    status: SeatStatus
    pair_number: int | None = None  # the other half of a couple seat, in the same row

    @property
    def label(self) -> str:
        return f"{self.row}{self.number}"


def row_labels(rows: int) -> str:
    return ROW_LABELS[:rows]


def plan_layout(spec: LayoutSpec) -> list[PlannedSeat]:
    """The seats a layout describes, row by row from A and left to right; raises InvalidLayout listing
    every problem at once."""
    _check(spec)
    rows, aisles = row_labels(spec.rows), sorted(spec.aisles)
    couple, vip, broken = set(spec.couple_rows), set(spec.vip_rows), set(spec.broken_seats)
    seats = []
    for row in rows:
        kind = SeatType.COUPLE if row in couple else SeatType.VIP if row in vip else SeatType.STANDARD
        for number in range(1, spec.seats_per_row + 1):
            pair = (number + 1 if number % 2 else number - 1) if kind is SeatType.COUPLE else None
            out_of_order = f"{row}{number}" in broken or (pair is not None and f"{row}{pair}" in broken)
            seats.append(PlannedSeat(
                row=row, number=number, column=number + sum(1 for a in aisles if a < number), type=kind,
                status=SeatStatus.BROKEN if out_of_order else SeatStatus.AVAILABLE, pair_number=pair))
    return seats


def columns(spec: LayoutSpec) -> int:
    """How many places across the room, aisle gaps included."""
    return spec.seats_per_row + len(spec.aisles)


def _check(spec: LayoutSpec) -> None:
    problems: list[dict[str, str]] = []

    def problem(field: str, message: str) -> None:
        problems.append({"field": field, "message": message})

    rows = row_labels(spec.rows)
    for aisle in spec.aisles:
        if not 1 <= aisle < spec.seats_per_row:
            problem("aisles", f"An aisle after seat {aisle} is not between two seats of a "
                              f"{spec.seats_per_row}-seat row.")
    for field, labels in (("vipRows", spec.vip_rows), ("coupleRows", spec.couple_rows)):
        for label in labels:
            if label not in rows:
                problem(field, f"Row {label} is not among rows A-{rows[-1]}.")
    for label in sorted(set(spec.vip_rows) & set(spec.couple_rows)):
        problem("coupleRows", f"Row {label} cannot be both VIP and couple.")
    if spec.couple_rows:
        if spec.seats_per_row % 2:
            problem("coupleRows", f"A couple row is made of pairs: {spec.seats_per_row} seats "
                                  "cannot pair up.")
        for aisle in spec.aisles:
            if aisle % 2:
                problem("aisles", f"An aisle after seat {aisle} would split the couple seat "
                                  f"{aisle}-{aisle + 1}.")
    for label in spec.broken_seats:
        if label[0] not in rows or not 1 <= int(label[1:]) <= spec.seats_per_row:
            problem("brokenSeats", f"Seat {label} is not in this layout.")
    if problems:
        raise InvalidLayout("The layout is not valid.", problems)
