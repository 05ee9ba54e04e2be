"""Time promotions as data (promotions.time_promotion), managed by Admins; the three promotions that were
the pricing policy's defaults (EARLY-BIRD, HAPPY-TUESDAY, MORNING-DEAL) are inserted, so prices do not change.

Revision ID: 0015_time_promotions
Revises: 0013_voucher_scopes
"""

import uuid
from collections.abc import Sequence
from datetime import time

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0015_time_promotions"
# The promotions service's own chain (each service's migrations branch from the platform's, infra/migrate.py).
down_revision: str | None = "0013_voucher_scopes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

S = "promotions"

# As domain/showtimes/pricing.py DEFAULT_PROMOTIONS had them (weekdays: 0 = Monday).
DEFAULTS = [
    {"id": "6f1c2a52-3d0e-4c57-9a43-0e5b1f0a7e01", "code": "EARLY-BIRD",
     "name": "Đặt sớm: -10% khi mua trước 3 ngày", "percent_off": 10, "min_days_ahead": 3, "weekdays": None,
     "starts_before": None},
    {"id": "6f1c2a52-3d0e-4c57-9a43-0e5b1f0a7e02", "code": "HAPPY-TUESDAY",
     "name": "Thứ Ba vui vẻ: -20% mọi suất thứ Ba", "percent_off": 20, "min_days_ahead": None, "weekdays": [1],
     "starts_before": None},
    {"id": "6f1c2a52-3d0e-4c57-9a43-0e5b1f0a7e03", "code": "MORNING-DEAL",
     "name": "Suất sớm: -15% suất chiếu trước 10:00", "percent_off": 15, "min_days_ahead": None, "weekdays": None,
     "starts_before": time(10, 0)},
]


def upgrade() -> None:
    table = op.create_table(
        "time_promotion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("percent_off", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("min_days_ahead", sa.Integer(), nullable=True),
        sa.Column("weekdays", postgresql.ARRAY(sa.Integer()), nullable=True),
        sa.Column("starts_from", sa.Time(), nullable=True),
        sa.Column("starts_before", sa.Time(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("percent_off BETWEEN 1 AND 90", name=op.f("ck_time_promotion_percent_off_range")),
        sa.CheckConstraint("valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until",
                           name=op.f("ck_time_promotion_valid_dates")),
        sa.CheckConstraint("starts_from IS NULL OR starts_before IS NULL OR starts_from < starts_before",
                           name=op.f("ck_time_promotion_start_window")),
        sa.CheckConstraint("min_days_ahead IS NULL OR min_days_ahead >= 0",
                           name=op.f("ck_time_promotion_days_ahead_not_negative")),
        sa.CheckConstraint("weekdays IS NULL OR weekdays <@ ARRAY[0, 1, 2, 3, 4, 5, 6]",
                           name=op.f("ck_time_promotion_weekdays_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_promotion")),
        schema=S,
    )
    op.create_index(op.f("ix_promotions_time_promotion_code"), "time_promotion", ["code"], unique=True, schema=S)
    unset = {"description": "", "valid_from": None, "valid_until": None, "starts_from": None, "is_active": True}
    op.bulk_insert(table, [{**unset, **row, "id": uuid.UUID(row["id"])} for row in DEFAULTS])


def downgrade() -> None:
    op.drop_index(op.f("ix_promotions_time_promotion_code"), table_name="time_promotion", schema=S)
    op.drop_table("time_promotion", schema=S)
