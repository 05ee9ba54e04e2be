"""F&B: the menu (items, combos and their recipes), per-cinema stock, its ledger and stock reservations.

Revision ID: 0011_fnb
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011_fnb"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "fnb"


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def _stamp(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False)


def upgrade() -> None:
    for table in ("item", "combo"):
        op.create_table(
            table,
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("description", sa.String(length=1000), nullable=False),
            *([sa.Column("category", _enum("fnbcategory", "Food", "Drink", "Combo"), nullable=False)]
              if table == "item" else []),
            sa.Column("price", sa.Integer(), nullable=False),
            *([sa.Column("image_url", sa.String(length=500), nullable=True)] if table == "item" else []),
            sa.Column("is_available", sa.Boolean(), nullable=False),
            sa.Column("hidden_at", postgresql.ARRAY(sa.Uuid()), nullable=False),
            _stamp("created_at"), _stamp("updated_at"),
            sa.CheckConstraint("price >= 0", name=op.f(f"ck_{table}_price_not_negative")),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("name", name=op.f(f"uq_{table}_name")),
            schema=S,
        )
    op.create_table(
        "combo_item",
        sa.Column("combo_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_combo_item_quantity_positive")),
        sa.ForeignKeyConstraint(["combo_id"], ["fnb.combo.id"], name=op.f("fk_combo_item_combo_id_combo"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["fnb.item.id"], name=op.f("fk_combo_item_item_id_item")),
        sa.PrimaryKeyConstraint("combo_id", "item_id", name=op.f("pk_combo_item")),
        schema=S,
    )
    op.create_table(
        "stock",
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("low_stock_threshold", sa.Integer(), nullable=False),
        _stamp("updated_at"),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_on_hand_not_negative")),
        sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name=op.f("ck_stock_reserved_within_on_hand")),
        sa.CheckConstraint("low_stock_threshold >= 0", name=op.f("ck_stock_threshold_not_negative")),
        sa.ForeignKeyConstraint(["item_id"], ["fnb.item.id"], name=op.f("fk_stock_item_id_item")),
        sa.PrimaryKeyConstraint("cinema_id", "item_id", name=op.f("pk_stock")),
        schema=S,
    )
    op.create_table(
        "stock_movement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("movementkind", "Receipt", "Sale", "Reservation", "Release", "Waste",
                                "Adjustment"), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved_change", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        _stamp("created_at"),
        sa.ForeignKeyConstraint(["item_id"], ["fnb.item.id"], name=op.f("fk_stock_movement_item_id_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
        schema=S,
    )
    op.create_index(op.f("ix_fnb_stock_movement_cinema_id"), "stock_movement", ["cinema_id"], schema=S)
    op.create_index(op.f("ix_fnb_stock_movement_booking_id"), "stock_movement", ["booking_id"], schema=S)
    op.create_table(
        "stock_reservation",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("status", _enum("reservationstatus", "Reserved", "Sold", "Released"), nullable=False),
        _stamp("created_at"), _stamp("updated_at"),
        sa.PrimaryKeyConstraint("booking_id", name=op.f("pk_stock_reservation")),
        schema=S,
    )
    op.create_table(
        "reservation_component",
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_reservation_component_quantity_positive")),
        sa.ForeignKeyConstraint(["booking_id"], ["fnb.stock_reservation.booking_id"],
                                name=op.f("fk_reservation_component_booking_id_stock_reservation"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["item_id"], ["fnb.item.id"], name=op.f("fk_reservation_component_item_id_item")),
        sa.PrimaryKeyConstraint("booking_id", "item_id", name=op.f("pk_reservation_component")),
        schema=S,
    )


def downgrade() -> None:
    for table in ("reservation_component", "stock_reservation", "stock_movement", "stock", "combo_item", "combo",
                  "item"):
        op.drop_table(table, schema=S)
