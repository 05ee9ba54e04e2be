"""Vouchers in full: FreeItem vouchers (the F&B item or combo they add), per-user limits, scopes (movies, cinemas, seat types, days, time band, first booking),
personal vouchers given to users (voucher_assignment); the one-live-use-per-user index gives way to the
per-user limit, checked under the voucher's row lock.

Revision ID: 0013_voucher_scopes
Revises: 0008_loyalty
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_voucher_scopes"
down_revision: str | None = "0008_loyalty"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "promotions"


def upgrade() -> None:
    for column in (
        sa.Column("per_user_limit", sa.Integer(), server_default="1", nullable=True),
        sa.Column("movie_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("cinema_ids", postgresql.ARRAY(sa.Uuid()), server_default="{}", nullable=False),
        sa.Column("seat_types", postgresql.ARRAY(sa.String(length=16)), server_default="{}", nullable=False),
        sa.Column("days_of_week", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False),
        sa.Column("time_from", sa.Time(), nullable=True),
        sa.Column("time_to", sa.Time(), nullable=True),
        sa.Column("first_booking_only", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("free_item_id", sa.Uuid(), nullable=True),
        sa.Column("free_combo_id", sa.Uuid(), nullable=True),
        sa.Column("personal", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
    ):
        op.add_column("voucher", column, schema=S)
    op.create_check_constraint(op.f("ck_voucher_per_user_limit_positive"), "voucher",
                               "per_user_limit IS NULL OR per_user_limit > 0", schema=S)
    op.create_check_constraint(op.f("ck_voucher_free_item_named"), "voucher",
                               "type <> 'FreeItem' OR (free_item_id IS NULL) <> (free_combo_id IS NULL)", schema=S)
    op.drop_index("uq_voucher_reservation_live_user", table_name="voucher_reservation", schema=S)
    op.create_table(
        "voucher_assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("voucher_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("assigned_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["voucher_id"], ["promotions.voucher.id"],
                                name=op.f("fk_voucher_assignment_voucher_id_voucher")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_voucher_assignment")),
        sa.UniqueConstraint("voucher_id", "user_id", name=op.f("uq_voucher_assignment_voucher_id")),
        schema=S,
    )
    op.create_index(op.f("ix_promotions_voucher_assignment_voucher_id"), "voucher_assignment", ["voucher_id"],
                    schema=S)
    op.create_index(op.f("ix_promotions_voucher_assignment_user_id"), "voucher_assignment", ["user_id"], schema=S)


def downgrade() -> None:
    op.drop_table("voucher_assignment", schema=S)
    op.create_index("uq_voucher_reservation_live_user", "voucher_reservation", ["voucher_id", "user_id"],
                    unique=True, schema=S, postgresql_where=sa.text("status <> 'Released'"))
    op.drop_constraint(op.f("ck_voucher_free_item_named"), "voucher", schema=S)
    op.drop_constraint(op.f("ck_voucher_per_user_limit_positive"), "voucher", schema=S)
    for name in ("updated_at", "personal", "free_combo_id", "free_item_id", "first_booking_only", "time_to", "time_from", "days_of_week",
                 "seat_types", "cinema_ids", "movie_ids", "per_user_limit"):
        op.drop_column("voucher", name, schema=S)
