"""Tables of the F&B context (schema `fnb`): the menu, combo recipes, per-cinema stock and its ledger.

Stock per (cinema, item): `on_hand` units at the counter, of which `reserved` are held for pre-orders;
`on_hand - reserved` can be sold. The CHECK keeps 0 <= reserved <= on_hand in the database itself. Every
change is a `stock_movement` row whose signed `quantity` is the change of on_hand and `reserved_change`
the change of reserved, so both are the sums of the ledger.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ARRAY, CheckConstraint, Index, String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from domain.shared.models import created_at_field, enum_column, updated_at_field, utc_datetime_field

SCHEMA = "fnb"


class FnbCategory(StrEnum):
    FOOD = "Food"
    DRINK = "Drink"
    COMBO = "Combo"  # only combos (their own table) carry it; an item is Food or Drink


class MovementKind(StrEnum):
    RECEIPT = "Receipt"
    SALE = "Sale"
    RESERVATION = "Reservation"
    RELEASE = "Release"
    WASTE = "Waste"
    ADJUSTMENT = "Adjustment"
    RETURN = "Return"  # a paid pre-order cancelled before pickup: its units go back on hand


class ReservationStatus(StrEnum):
    RESERVED = "Reserved"
    SOLD = "Sold"
    RELEASED = "Released"
    RETURNED = "Returned"  # sold, then the booking was cancelled before pickup


class FnbItem(SQLModel, table=True):
    __tablename__ = "item"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True)
    description: str = Field(default="", sa_type=String(1000))
    category: FnbCategory = Field(sa_type=enum_column(FnbCategory))
    price: int
    image_url: str | None = Field(default=None, sa_type=String(500))
    is_available: bool = True
    hidden_at: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid))  # cinemas not selling it
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class FnbCombo(SQLModel, table=True):
    __tablename__ = "combo"
    __table_args__ = (CheckConstraint("price >= 0", name="price_not_negative"), {"schema": SCHEMA})

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=String(200), unique=True)
    description: str = Field(default="", sa_type=String(1000))
    price: int
    is_available: bool = True
    hidden_at: list[uuid.UUID] = Field(default_factory=list, sa_type=ARRAY(Uuid))  # cinemas not selling it
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class ComboItem(SQLModel, table=True):
    """One line of a combo's recipe."""

    __tablename__ = "combo_item"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"), {"schema": SCHEMA})

    combo_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.combo.id", primary_key=True, ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.item.id", primary_key=True)
    quantity: int


class Stock(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
        CheckConstraint("low_stock_threshold >= 0", name="threshold_not_negative"),
        {"schema": SCHEMA},
    )

    cinema_id: uuid.UUID = Field(primary_key=True)  # cinemas.cinema, reached through its service
    item_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.item.id", primary_key=True)
    on_hand: int = 0
    reserved: int = 0
    low_stock_threshold: int = 10
    updated_at: datetime = updated_at_field()

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(SQLModel, table=True):
    __tablename__ = "stock_movement"

    __table_args__ = ({"schema": SCHEMA},)

    id: int | None = Field(default=None, primary_key=True)
    cinema_id: uuid.UUID = Field(index=True)
    item_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.item.id")
    kind: MovementKind = Field(sa_type=enum_column(MovementKind))
    quantity: int  # signed change of on_hand
    reserved_change: int = 0  # signed change of reserved
    reason: str = Field(default="", sa_type=String(300))
    booking_id: uuid.UUID | None = Field(default=None, index=True)
    sale_id: uuid.UUID | None = None  # a counter sale (fnb.counter_sale)
    actor_id: uuid.UUID | None = None  # who: the staff member, None for the saga
    created_at: datetime = created_at_field()


class StockReservation(SQLModel, table=True):
    """A booking's F&B order: the stock it holds (idempotency key of reserve/release/sell) and, once paid, the
    order the counter hands out. `attempt` is the saga's checkout attempt that holds it: a release names the
    attempt it undoes, so a late retry of an older attempt can never hold stock again."""

    __tablename__ = "stock_reservation"
    # The counter's queue: a cinema's paid orders by showtime start (GET /api/fnb/orders).
    __table_args__ = (Index("ix_fnb_stock_reservation_queue", "cinema_id", "status", "starts_at"), {"schema": SCHEMA})

    booking_id: uuid.UUID = Field(primary_key=True)
    cinema_id: uuid.UUID
    status: ReservationStatus = Field(default=ReservationStatus.RESERVED, sa_type=enum_column(ReservationStatus))
    attempt: int = 0
    showtime_id: uuid.UUID | None = None
    starts_at: datetime | None = utc_datetime_field()
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)  # OrderedLine dumps, prices of then
    amount: int = 0
    collected_at: datetime | None = utc_datetime_field()
    collected_by: uuid.UUID | None = None
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class CounterSale(SQLModel, table=True):
    """F&B sold at the counter without a ticket: stock taken at once, paid in cash or by card."""

    __tablename__ = "counter_sale"
    __table_args__ = ({"schema": SCHEMA},)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    cinema_id: uuid.UUID = Field(index=True)
    lines: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONB)
    amount: int
    payment_method: str = Field(sa_type=String(16))
    sold_by: uuid.UUID
    created_at: datetime = created_at_field()


class ReservationComponent(SQLModel, table=True):
    """The units of each item a reservation holds, as the recipes were when it was made."""

    __tablename__ = "reservation_component"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"), {"schema": SCHEMA})

    booking_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.stock_reservation.booking_id", primary_key=True,
                                  ondelete="CASCADE")
    item_id: uuid.UUID = Field(foreign_key=f"{SCHEMA}.item.id", primary_key=True)
    quantity: int
