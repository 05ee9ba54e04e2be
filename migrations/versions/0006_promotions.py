"""Promotions: vouchers and their per-booking reservations (UserVoucher).

Revision ID: 0006_promotions
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_promotions"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "voucher",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("type", sa.Enum("Percentage", "FixedAmount", name="vouchertype", native_enum=False,
                                  length=16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("min_purchase", sa.Integer(), nullable=False),
        sa.Column("max_discount", sa.Integer(), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("usage_limit", sa.Integer(), nullable=True),
        sa.Column("used_count", sa.Integer(), nullable=False),
        sa.Column("applicable_for", sa.Enum("All", "Movie", "FnB", "Both", name="voucherscope", native_enum=False,
                                            length=16), nullable=False),
        sa.Column("status", sa.Enum("Active", "Inactive", "Expired", name="voucherstatus", native_enum=False,
                                    length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("usage_limit IS NULL OR used_count <= usage_limit", name=op.f("ck_voucher_within_limit")),
        sa.CheckConstraint("used_count >= 0", name=op.f("ck_voucher_used_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher")),
        schema="promotions",
    )
    op.create_index(op.f("ix_promotions_voucher_code"), "voucher", ["code"], unique=True, schema="promotions")
    op.create_table(
        "voucher_reservation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("voucher_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("booking_id", sa.Uuid(), nullable=False),
        sa.Column("discount", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum("Reserved", "Used", "Released", name="reservationstatus", native_enum=False,
                                    length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_reservation")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_voucher_reservation_booking_id")),
        schema="promotions",
    )
    op.create_index(op.f("ix_promotions_voucher_reservation_user_id"), "voucher_reservation", ["user_id"],
                    unique=False, schema="promotions")
    op.create_index(op.f("ix_promotions_voucher_reservation_voucher_id"), "voucher_reservation", ["voucher_id"],
                    unique=False, schema="promotions")
    op.create_index("uq_voucher_reservation_live_user", "voucher_reservation", ["voucher_id", "user_id"],
                    unique=True, schema="promotions", postgresql_where=sa.text("status <> 'Released'"))


def downgrade() -> None:
    op.drop_table("voucher_reservation", schema="promotions")
    op.drop_table("voucher", schema="promotions")
