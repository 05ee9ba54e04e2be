"""Request and response bodies of the F&B routes (camelCase JSON, seed §7). Prices are integer VND."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from domain.fnb.models import FnbCategory, MovementKind, ReservationStatus
from domain.shared.schemas import ApiModel, PageParams

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]
Price = Annotated[int, Field(ge=0, le=10_000_000, description="VND")]
HiddenAt = Annotated[list[uuid.UUID], Field(max_length=100, description="Cinemas that do not sell it")]
MAX_UNITS = 1_000_000


def _not_null(value: Any) -> Any:
    if value is None:
        raise ValueError("May be left out, but not null.")
    return value


def _item_category(value: FnbCategory | None) -> FnbCategory | None:
    if value is FnbCategory.COMBO:
        raise ValueError("An item is Food or Drink; make a combo with POST /api/fnb/combos.")
    return value


def _unique(values: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    return None if values is None else list(dict.fromkeys(values))


class ItemCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["Bắp rang bơ L"])
    description: Description = ""
    category: FnbCategory = Field(description="Food or Drink (combos are their own resource)")
    price: Price
    is_available: bool = True
    hidden_at: HiddenAt = Field(default_factory=list)

    _category = field_validator("category")(_item_category)
    _dedupe = field_validator("hidden_at")(_unique)


class ItemUpdate(ApiModel):
    """Fields left out stay; `hiddenAt` replaces the stored list."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    category: FnbCategory | None = None
    price: Price | None = None
    is_available: bool | None = None
    hidden_at: HiddenAt | None = None

    _no_nulls = field_validator("*", mode="before")(_not_null)
    _category = field_validator("category")(_item_category)
    _dedupe = field_validator("hidden_at")(_unique)


class ItemPublic(ApiModel):
    id: uuid.UUID
    name: str
    description: str
    category: FnbCategory
    price: int
    image_url: str | None
    is_available: bool
    hidden_at: list[uuid.UUID]
    stock: int | None = Field(default=None, description="Units for sale at the cinema asked (cinemaId)")
    available: bool | None = Field(default=None, description="On sale and in stock at the cinema asked")


class ComboLine(ApiModel):
    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID
    quantity: int = Field(ge=1, le=20)


def _recipe(lines: list[ComboLine] | None) -> list[ComboLine] | None:
    if lines is not None and len({line.item_id for line in lines}) != len(lines):
        raise ValueError("Name each item once, with its quantity.")
    return lines


Recipe = Annotated[list[ComboLine], Field(min_length=1, max_length=10)]


class ComboCreate(ApiModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["Combo Couple"])
    description: Description = ""
    price: Price
    items: Recipe
    is_available: bool = True
    hidden_at: HiddenAt = Field(default_factory=list)

    _lines = field_validator("items")(_recipe)
    _dedupe = field_validator("hidden_at")(_unique)


class ComboUpdate(ApiModel):
    """Fields left out stay; `items` replaces the recipe (past orders keep the components they took)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    price: Price | None = None
    items: Recipe | None = None
    is_available: bool | None = None
    hidden_at: HiddenAt | None = None

    _no_nulls = field_validator("*", mode="before")(_not_null)
    _lines = field_validator("items")(_recipe)
    _dedupe = field_validator("hidden_at")(_unique)


class ComboPublic(ApiModel):
    id: uuid.UUID
    name: str
    description: str
    category: Literal[FnbCategory.COMBO] = FnbCategory.COMBO
    price: int
    discount: int = Field(description="VND saved against buying the items alone")
    items: list[ComboLine]
    is_available: bool
    hidden_at: list[uuid.UUID]
    stock: int | None = Field(default=None, description="Combos its components allow at the cinema asked")
    available: bool | None = None


class MenuQuery(PageParams):
    cinema_id: uuid.UUID | None = None
    category: FnbCategory | None = None


class CinemaQuery(PageParams):
    cinema_id: uuid.UUID


class MovementQuery(PageParams):
    cinema_id: uuid.UUID
    item_id: uuid.UUID | None = None


class StockChange(ApiModel):
    """Either `quantity` (count: set on-hand units) or `delta` with a `reason` (adjust); a threshold too."""

    model_config = ConfigDict(extra="forbid")

    cinema_id: uuid.UUID
    quantity: int | None = Field(default=None, ge=0, le=MAX_UNITS)
    delta: int | None = Field(default=None, ge=-MAX_UNITS, le=MAX_UNITS)
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    kind: Literal[MovementKind.RECEIPT, MovementKind.WASTE, MovementKind.ADJUSTMENT] | None = Field(
        default=None, description="For a delta: Receipt (+), Waste (−) or Adjustment (default)")
    low_stock_threshold: int | None = Field(default=None, ge=0, le=MAX_UNITS)

    @model_validator(mode="after")
    def _one_way(self) -> StockChange:
        if (self.quantity is None) == (self.delta is None):
            raise ValueError("Send either quantity (to set) or delta with a reason (to adjust).")
        if self.delta is not None:
            if self.delta == 0:
                raise ValueError("delta may not be 0.")
            if self.reason is None:
                raise ValueError("An adjustment needs a reason.")
            if (self.kind is MovementKind.RECEIPT and self.delta < 0) or (
                    self.kind is MovementKind.WASTE and self.delta > 0):
                raise ValueError("A Receipt adds units (delta > 0); Waste removes them (delta < 0).")
        return self


class StockPublic(ApiModel):
    cinema_id: uuid.UUID
    item_id: uuid.UUID
    name: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int
    low: bool


class MovementPublic(ApiModel):
    id: int
    cinema_id: uuid.UUID
    item_id: uuid.UUID
    kind: MovementKind
    quantity: int = Field(description="Signed change of on-hand units")
    reserved_change: int
    reason: str
    booking_id: uuid.UUID | None
    sale_id: uuid.UUID | None = Field(default=None, description="The counter sale (POST /api/fnb/orders)")
    actor_id: uuid.UUID | None
    created_at: datetime


class ImagePublic(ApiModel):
    image_url: str


class OrderLine(ApiModel):
    """One line of an F&B order: exactly one of itemId or comboId, and how many."""

    model_config = ConfigDict(extra="forbid")

    item_id: uuid.UUID | None = None
    combo_id: uuid.UUID | None = None
    quantity: int = Field(ge=1, le=20)

    @model_validator(mode="after")
    def _one_product(self) -> OrderLine:
        if (self.item_id is None) == (self.combo_id is None):
            raise ValueError("Name either itemId or comboId.")
        return self


OrderLines = Annotated[list[OrderLine], Field(max_length=20, description="At most 20 lines")]


class SoldLine(ApiModel):
    """A line as ordered: the item or combo, its name and unit price at the time (later price or recipe
    changes leave it as it was)."""

    item_id: uuid.UUID | None = None
    combo_id: uuid.UUID | None = None
    name: str
    quantity: int
    unit_price: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


class ReserveFnbInput(ApiModel):
    """The saga's reserve_fnb step: the order of one checkout attempt of a booking."""

    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    attempt: int
    lines: list[OrderLine]
    free_lines: list[OrderLine] = []  # added by a FreeItem voucher, at 0 VND


class FnbOrderRef(ApiModel):
    """A booking's F&B order, for release_fnb (the attempt it undoes) and sell_fnb."""

    booking_id: uuid.UUID
    showtime_id: uuid.UUID
    attempt: int


class FnbReserved(ApiModel):
    lines: list[SoldLine]
    amount: int


class OrderQueueQuery(PageParams):
    cinema_id: uuid.UUID
    state: Literal["waiting", "collected"] = Field(
        default="waiting", description="waiting: paid, not collected, showtime not long past (by start); "
                                       "collected: handed out, newest first")


class FnbOrderPublic(ApiModel):
    """A booking's F&B order as the counter sees it."""

    booking_id: uuid.UUID
    cinema_id: uuid.UUID
    showtime_id: uuid.UUID | None
    starts_at: datetime | None = Field(description="The showtime's start")
    lines: list[SoldLine]
    amount: int
    status: ReservationStatus
    collected_at: datetime | None
    collected_by: uuid.UUID | None


CounterLines = Annotated[OrderLines, Field(min_length=1)]


class CounterSaleCreate(ApiModel):
    """F&B sold at the counter without a ticket."""

    model_config = ConfigDict(extra="forbid")

    cinema_id: uuid.UUID
    items: CounterLines
    payment_method: Literal["Cash", "Card"]


class CounterSalePublic(ApiModel):
    """The receipt of a counter sale: lines with the names and unit prices charged."""

    sale_id: uuid.UUID
    cinema_id: uuid.UUID
    lines: list[SoldLine]
    amount: int
    payment_method: str
    sold_by: uuid.UUID
    created_at: datetime
