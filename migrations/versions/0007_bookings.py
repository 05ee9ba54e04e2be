"""Bookings: the booking row that mirrors its saga, its seats and its F&B lines.

Revision ID: 0007_bookings
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_bookings"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "booking",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("showtime_id", sa.Uuid(), nullable=False),
        sa.Column("total_amount", sa.Integer(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("final_amount", sa.Integer(), nullable=False),
        sa.Column("status", _enum("bookingstatus", "Pending", "Confirmed", "Cancelled", "Expired", "Completed"),
                  nullable=False),
        sa.Column("payment_status", _enum("paymentstatus", "Pending", "Paid", "Refunded", "Failed"),
                  nullable=False),
        sa.Column("payment_method", sa.String(length=16), nullable=True),
        sa.Column("payment_id", sa.Uuid(), nullable=True),
        sa.Column("voucher_code", sa.String(length=40), nullable=True),
        sa.Column("qr_code", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=300), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking")),
        schema="bookings",
    )
    op.create_index(op.f("ix_bookings_booking_user_id"), "booking", ["user_id"], unique=False, schema="bookings")
    op.create_index(op.f("ix_bookings_booking_showtime_id"), "booking", ["showtime_id"], unique=False,
                    schema="bookings")
    op.create_table(
        "booking_seat",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("seat_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.String(length=4), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seat_type", sa.String(length=16), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_seat")),
        sa.UniqueConstraint("booking_id", "seat_id", name=op.f("uq_booking_seat_booking_id")),
        schema="bookings",
    )
    op.create_index(op.f("ix_bookings_booking_seat_booking_id"), "booking_seat", ["booking_id"], unique=False,
                    schema="bookings")
    op.create_table(
        "booking_fnb",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_fnb")),
        schema="bookings",
    )
    op.create_index(op.f("ix_bookings_booking_fnb_booking_id"), "booking_fnb", ["booking_id"], unique=False,
                    schema="bookings")


def downgrade() -> None:
    op.drop_table("booking_fnb", schema="bookings")
    op.drop_table("booking_seat", schema="bookings")
    op.drop_table("booking", schema="bookings")
