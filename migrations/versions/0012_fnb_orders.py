"""F&B orders: a reservation becomes the booking's order (attempt, showtime, lines, amount, pickup), counter sales,
and the ledger names the counter sale it belongs to.

Revision ID: 0012_fnb_orders
Revises: 0011_fnb
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012_fnb_orders"
down_revision: str | None = "0011_fnb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "fnb"


def upgrade() -> None:
    for column in (
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("showtime_id", sa.Uuid(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
        sa.Column("amount", sa.Integer(), server_default="0", nullable=False),
        sa.Column("collected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("collected_by", sa.Uuid(), nullable=True),
    ):
        op.add_column("stock_reservation", column, schema=S)
    op.create_index("ix_fnb_stock_reservation_queue", "stock_reservation", ["cinema_id", "status", "starts_at"],
                    schema=S)
    op.add_column("stock_movement", sa.Column("sale_id", sa.Uuid(), nullable=True), schema=S)
    op.create_table(
        "counter_sale",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cinema_id", sa.Uuid(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=False),
        sa.Column("sold_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_counter_sale")),
        schema=S,
    )
    op.create_index(op.f("ix_fnb_counter_sale_cinema_id"), "counter_sale", ["cinema_id"], schema=S)


def downgrade() -> None:
    op.drop_table("counter_sale", schema=S)
    op.drop_column("stock_movement", "sale_id", schema=S)
    op.drop_index("ix_fnb_stock_reservation_queue", "stock_reservation", schema=S)
    for name in ("collected_by", "collected_at", "amount", "lines", "starts_at", "showtime_id", "attempt"):
        op.drop_column("stock_reservation", name, schema=S)
